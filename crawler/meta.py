"""Every ``request.meta`` key of the project, with who writes it and who reads it.

Values are plain (str, int, bool, dict of those): requests travel as JSON through the
distributed frontier, and Scrapy copies meta into redirects and retries.
"""

# The page is an article (True) or may be one (MAYBE_ARTICLE: the site spider follows links
# before it can tell). Written by the spiders; read by the recrawl and URL-length middlewares.
ARTICLE = "archive_article"
MAYBE_ARTICLE = "maybe"

# What discovery said about an article (sitemap/feed title, date, language, how it was found).
# Written by the spiders; read when the item is made.
SOURCE = "archive_source"

# The sources spider: which site of the sources file a request belongs to, and its link depth.
SITE = "archive_site"
DEPTH = "archive_depth"

# A conventional place (/sitemap.xml, /feed, …) tried for a home page that named no sitemap or
# feed: {"kind", "home", "next": places left, "found": bool}. Written and read by the discovering
# spiders (crawler/spiders/probing.py).
PROBE = "archive_probe"

# A page requisite (stylesheet, image, font, script, iframe…): {"page": URL of the page that
# needs it, "kind": crawler.discovery.requisites kind, "depth": 0, or 1 inside an iframe}.
# Written by the requisite middleware; read by it, the budget and recrawl middlewares.
REQUISITE = "archive_requisite"

# The URL's catalog state (pipelines.storage.catalog.UrlState.as_meta()), looked up once.
# Written by the recrawl middleware; read by the item pipelines through the item.
STATE = "archive_state"
# The recrawl decision was made; redirects and retries of the request are not checked again.
RECRAWL_CHECKED = "recrawl_checked"

# What the capture wrote (crawler.capture.archive.Capture.as_meta()). Written by the
# download handler; read when the item is made.
CAPTURE = "archive_capture"

# Scrapy's own keys the project writes: the request's proxy (HttpProxyMiddleware, then the
# download handler) and its cookie jar (CookiesMiddleware). Written by the spiders for a site of
# the sources file with `proxy` / `cookies_file`; the proxy is copied by the robots.txt
# middleware onto the host's robots.txt request.
PROXY = "proxy"
COOKIEJAR = "cookiejar"

# Distributed mode: the lease under which the worker took the request from the shared
# frontier, and the mark of a request put back from a worker that did not finish it.
LEASE = "frontier_lease"
RETURNED = "frontier_returned"

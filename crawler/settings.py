"""Every setting of the project, grouped by prefix, each documented here.

Override any of them on the command line (``-s NAME=VALUE``), in a spider's
``custom_settings`` or with ``SCRAPY_SETTINGS_MODULE``.
"""

from pathlib import Path

from crawler import __version__

BOT_NAME = "news-archive-crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- ARCHIVE_*: where a crawl's output goes -------------------------------------
# Everything of a crawl lives here: warc/, text/, catalog.sqlite.
ARCHIVE_DIR = str(Path(__file__).resolve().parent.parent / "archive")

# Exit status 5 when a run has more errors (failed fetches, robots.txt errors,
# extraction errors) than this (0: no limit) ...
ARCHIVE_MAX_ERRORS = 0
# ... or when errors / article URLs due exceeds this rate (0: no limit).
ARCHIVE_MAX_ERROR_RATE = 0.5

# Hosts the crawl was not started on may not resolve to private, loopback or
# link-local addresses (checked after DNS). True allows them, for intranets.
ARCHIVE_ALLOW_PRIVATE = False

# Limits on a response head (status line and header lines), far above what real servers
# send (600 Set-Cookie lines happen; Chrome stops at 256 KiB). A head over them is archived
# as far as it fits, marked WARC-Truncated: length, and the request fails.
ARCHIVE_MAX_HEADER_LINES = 10_000
ARCHIVE_MAX_HEADER_BYTES = 1024 * 1024

# --- ARCHIVE_REPORT: the HTML report of each run ----------------------------------
# When a crawl ends, write ARCHIVE_DIR/reports/<run_id>/report.html (articles with
# links to their text and replay URL, drops, errors, status codes and bytes by site,
# story clusters; static, no network). `scrapy review --report RUN_ID` rebuilds one.
ARCHIVE_REPORT = True

# --- ARCHIVE_REQUISITES_*: page requisites (crawler/middlewares/requisites.py) ------
# Fetch and archive what a browser needs to render each archived HTML page: stylesheets
# (and their @import and url() references: fonts, background images), scripts, images
# (src, srcset and <picture> candidates, data-src / data-srcset), video posters, icons,
# og:image, and one level of iframes; from any host (sites serve them from CDNs), while
# links stay in the crawl's scope. Requisites are captures, not articles (no text, no
# article row), counted as requisites/* in the stats and the run summary.
ARCHIVE_REQUISITES = True
# Also for navigation pages (front pages, sections: HTML pages that are not articles).
ARCHIVE_REQUISITES_NAVIGATION = False
# Follow <iframe src> one level: the iframe's page and its own requisites (not its iframes).
ARCHIVE_REQUISITES_IFRAMES = True
# At most this many requisites per page (its stylesheets' references and iframe included);
# the rest is not requested and counted as requisites/limited/count.
ARCHIVE_REQUISITES_MAX_PER_PAGE = 200
# Once a page's requisites reached this many bytes (as received) no more are requested for
# it (requisites/limited/bytes; 0: no limit). Each response is also held to DOWNLOAD_MAXSIZE.
ARCHIVE_REQUISITES_MAX_BYTES = 50 * 1024 * 1024
# Per image: its src and srcset / <picture><source> / data-srcset candidates, at most this
# many (browsers pick one by viewport and pixel density; replay may be at another).
ARCHIVE_REQUISITES_MAX_CANDIDATES = 8
# Obey robots.txt for requisites (ROBOTSTXT_OBEY). False ignores it for requisites only,
# as many archives do (a Disallow: /static/ would leave every snapshot unstyled).
ARCHIVE_REQUISITES_ROBOTS = True
# A requisite archived less than this long ago is not fetched again (each is fetched at most
# once per run anyway); an older one is re-fetched conditionally, and an unchanged one is
# written as a revisit. Same format as RECRAWL_AFTER.
ARCHIVE_REQUISITES_RECRAWL_AFTER = "30d"

# --- WARC_*: raw capture ----------------------------------------------------------
# The WARC version written: "1.1", or "1.0" for tools that read only WARC/1.0 (warctools):
# its revisit profile URIs (.../warc/1.0/revisit/...) and WARC-Dates to the second.
WARC_VERSION = "1.1"
# Write every HTTP exchange (request + response, as sent) to WARC files.
WARC_ENABLED = True
# File names: PREFIX-YYYYMMDDhhmmss-NNNNN-HOST-PID.warc.gz (IIPC convention).
WARC_PREFIX = "NEWS"
# Start a new file once the current one reaches this many bytes.
WARC_MAX_SIZE = 1_000_000_000
# gzip level per record: 6 costs about half the CPU of warcio's 9 for ~1% more bytes.
WARC_GZIP_LEVEL = 6
# fsync after every record (survives power loss, costs throughput); files are
# always flushed per record and fsynced on close.
WARC_FSYNC = False
# Write a 200 response whose payload is already archived (this run or an earlier
# one) as a revisit record (identical-payload-digest) instead of a second copy; not for an
# article URL new to the catalog (its text record would shadow the revisit in pywb).
WARC_DEDUP = True
# Keep Authorization and Cookie in request records (they are sent, but left out of the
# archive unless this is True). Proxy-Authorization goes to the proxy only, never to the
# origin, so it is never in a request record.
WARC_KEEP_CREDENTIALS = False
# Written into each file's warcinfo record.
WARC_OPERATOR = ""
WARC_DESCRIPTION = "News articles archived by news-archive-crawler"

# --- EXTRACT_*: clean text ------------------------------------------------------
# Pages whose clean text is shorter than this are not articles (dropped, still in the WARC).
EXTRACT_MIN_CHARS = 200
# Bodies larger than this are archived but not extracted (extraction time grows
# with the page; a news article is rarely over 2 MB of HTML).
EXTRACT_MAX_BYTES = 8 * 1024 * 1024
# Extraction runs in this many worker processes (empty: one per core), off the
# reactor thread; 0 extracts in the crawl process itself.
EXTRACT_WORKERS = None
# Seconds one page may take in a worker (0: no limit). A page over it is archived but not
# extracted (extract/dropped/timeout) and its worker is replaced; the crawl goes on. With
# EXTRACT_WORKERS = 0 there is no limit (nothing can stop the reactor thread safely).
EXTRACT_TIMEOUT = 5
# Pages submitted to the workers at once (0: twice the workers). Scrapy stops
# fetching while SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes of responses wait.
EXTRACT_MAX_PENDING = 0
# The extractor: (html, url, *, site_rules, repeated_lines) -> ExtractedArticle | None.
EXTRACT_FUNCTION = "pipelines.extraction.extract.extract_article"
# Content types that are worth extracting text from.
EXTRACT_CONTENT_TYPES = ["text/html", "application/xhtml+xml"]

# --- EXTRACT_*: per-site rules and learned site furniture (crawler/stages/extraction.py) ---
# Per-site rules, host -> {"prune_xpaths": [...], "junk_patterns": [...]}: XPaths removed
# from the page before extraction, and regexes that must match a whole text line to drop
# it (add (?i) for case-insensitive). A rule for "example.com" covers its subdomains.
# Merged with the spider's `extract_site_rules` attribute (the sources spider's [extract] tables).
EXTRACT_SITE_RULES = {}
# Learn per host the short lines that recur on many pages (footers, promo lines) and
# drop them from later pages of the same host.
EXTRACT_LEARN_REPEATED_LINES = True
# A line is furniture once seen on this many pages of the host ...
EXTRACT_REPEATED_LINE_MIN_PAGES = 3
# ... and on at least this share of the host's pages seen so far (0 disables the share test).
EXTRACT_REPEATED_LINE_MIN_SHARE = 0.2
# Only lines of at most this many words are counted.
EXTRACT_REPEATED_LINE_MAX_WORDS = 12
# Keep the learned counts in the catalog file (table site_lines), loaded when the spider
# opens and saved when it closes, so that the next run knows each site's furniture.
EXTRACT_REPEATED_LINES_PERSIST = True

# --- RECRAWL_*: incremental archiving ---------------------------------------------
# An article archived less than this long ago is not fetched again ("7d", "12h",
# "30m", seconds; 0 re-fetches every time). Older ones are re-fetched with
# If-None-Match / If-Modified-Since; an identical payload becomes a revisit
# record, a changed text a new revision.
RECRAWL_AFTER = "7d"

# --- CATALOG_*: the SQLite index of archived articles ---------------------------
# Relative paths are taken inside ARCHIVE_DIR.
CATALOG_PATH = "catalog.sqlite"
# The index the crawl's lookups go to, over the local catalog file: empty for the file alone;
# a class with from_settings(local_catalog, settings) otherwise (set by the distributed add-on).
CATALOG_INDEX = ""
# The crawl writes catalog rows in batches: one transaction per this many rows, or after this
# many seconds, whichever comes first (1 and 0: a commit per row). Rows are written only after
# their WARC records are flushed; a crash loses at most the open batch's rows, whose pages the
# next run fetches again. Distributed workers commit every row (their rows go to Redis at once).
CATALOG_COMMIT_EVERY = 200
CATALOG_COMMIT_INTERVAL = 1.0

# --- STORIES_*: link near-duplicate articles (one wire story, many outlets) ---------
# Each article's text is fingerprinted (MinHash of word 3-grams, pipelines/extraction/stories.py) and
# linked to the most similar earlier article in the catalog, across runs: the two rows then
# share articles.story_id, and story_similarity says how close the match was.
STORIES_ENABLED = True
# Estimated share of the shorter text's 3-grams found in the other one (0..1) from which two
# articles are one story. On the labelled set (benchmarks/stories.py) versions of one story
# score 0.54 and up, different stories on the same topic 0.28 and below.
STORIES_THRESHOLD = 0.45
# Texts with fewer words than this start a story of their own (too little to compare).
STORIES_MIN_WORDS = 50

# --- DISTRIBUTED_* / REDIS_URL: several workers on one shared frontier ------------
# Off by default: one process, Scrapy's own scheduler, nothing but files. On (`-s DISTRIBUTED=1`,
# or `enabled = true` in the sources file's [distributed] table), the scheduler, the request
# dupe filter and the start requests live in Redis through scrapy-redis, and the catalog's
# lookups (revisit/dedup index, recrawl state, revisions) are shared there too (the add-on
# crawler.distributed.addon.Distributed sets SCHEDULER, DUPEFILTER_CLASS and CATALOG_INDEX).
# See README "Distributed crawling" and crawler/distributed/.
DISTRIBUTED = False
# The Redis server of the shared frontier: redis://[:password@]host:port/db (rediss:// for TLS).
REDIS_URL = "redis://127.0.0.1:6379/0"
# Every key starts with this, so several archives can share one Redis server.
DISTRIBUTED_KEY_PREFIX = "news-archive"
# A worker exits (status 0) once the shared frontier has been empty, with no request
# in flight on any worker, for this many seconds.
DISTRIBUTED_IDLE_EXIT = 60
# A worker that has not reported for this many seconds is dead: the requests it had
# taken from the frontier go back into it for the other workers.
DISTRIBUTED_WORKER_TIMEOUT = 30
# While Redis is unreachable a worker keeps going on what it holds and retries; after
# this many seconds without Redis it stops (exit status 7). Requests it could not hand to
# Redis are kept in ARCHIVE_DIR/frontier/ and pushed again when a worker next starts.
DISTRIBUTED_REDIS_OUTAGE = 120

# --- Proxies, cookies, Retry-After, bot walls (README "Real news sites") -----------------
# Proxies are configured as in any Scrapy project: the http_proxy / https_proxy / no_proxy
# environment variables or request.meta["proxy"] (HttpProxyMiddleware), and per site the
# sources file's `proxy`. Schemes: http:// and https:// (TLS to the proxy; https:// origins
# through a CONNECT tunnel), socks5:// (the crawler resolves names) and socks5h:// (the
# proxy does); credentials in the URL (user:password@, percent-encoded).
# A Netscape cookies.txt file (a browser session exported) whose cookies go with the
# requests they match, for single-site runs; per site, the sources file's `cookies_file`.
# Set-Cookie answers update the jar (Scrapy's CookiesMiddleware). "" for none.
ARCHIVE_COOKIES_FILE = ""
# A 429 or 503 with Retry-After holds that host's next request that long, at most this many
# seconds (other hosts go on meanwhile); the retry itself is Scrapy's RetryMiddleware's.
ARCHIVE_RETRY_AFTER_MAX = 300
# A page whose clean text has fewer words than this share of what its metadata claims
# (JSON-LD wordCount / articleBody) is a paywall stub (extract/dropped/paywall), as is a page
# marked isAccessibleForFree=false whose text is under EXTRACT_PAYWALL_MIN_WORDS words.
EXTRACT_PAYWALL_RATIO = 0.5
EXTRACT_PAYWALL_MIN_WORDS = 150
# AutoThrottle (off by default; -s AUTOTHROTTLE_ENABLED=True): adapts each host's delay to
# its latency. For news sites: start at 1 s, never above 30 s, about one request in flight
# per host. A site's crawl_delay (sources file) stays a floor it never goes below.
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# --- REPLAY_*: scrapy replay (pywb, in its own virtualenv) ------------------------
REPLAY_PORT = 8080
# pywb collection name: captures replay at http://127.0.0.1:PORT/COLLECTION/TIMESTAMP/URL
REPLAY_COLLECTION = "news"
# The virtualenv holding pywb and wacz (made by `make install-review`).
REPLAY_VENV = str(Path(__file__).resolve().parent.parent / ".venv-pywb")

# --- Scrapy: identity and politeness --------------------------------------------
USER_AGENT = f"news-archive-crawler/{__version__} (+https://github.com/news-archive-crawler; web archiving)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
# Bodies larger than this are cut; the part received is archived with WARC-Truncated.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
# The archive keeps what was served, behind a broken certificate too.
DOWNLOAD_VERIFY_CERTIFICATES = False
# Error pages reach the pipelines so each is counted as a drop reason.
HTTPERROR_ALLOW_ALL = True
# Items are processed one at a time per response; Scrapy's 100 costs ~1 ms/page.
CONCURRENT_ITEMS = 16

# Per-host download slots that hold: CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY, the
# sources file's crawl_delay and Retry-After, for every request (crawler/capture/downloader.py).
DOWNLOADER = "crawler.capture.downloader.PoliteDownloader"

# Only http(s), through the handler that keeps the raw exchange.
DOWNLOAD_HANDLERS = {
    "http": "crawler.capture.handler.CapturingHttpDownloadHandler",
    "https": "crawler.capture.handler.CapturingHttpDownloadHandler",
    "file": None,
    "ftp": None,
    "s3": None,
    "data": None,
}
ADDONS = {
    "crawler.distributed.addon.Distributed": 0,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.recrawl.RecrawlMiddleware": 60,
    "crawler.middlewares.robots.StrictRobotsTxtMiddleware": 100,
    "crawler.middlewares.retry_after.RetryAfterMiddleware": 580,  # sees a 429/503 before RetryMiddleware
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.meta_refresh.HeadMetaRefreshMiddleware": 580,  # no full-body decoding per page
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.middlewares.cookies.CookiesFileMiddleware": 700,  # Scrapy's, plus cookies.txt files
    "crawler.middlewares.requisites.RequisiteBudgetMiddleware": 720,
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawler.middlewares.url_length.CountedUrlLengthMiddleware": 800,
    # nearest the spider: its requests then pass the Referer, URL-length and depth middlewares
    "crawler.middlewares.requisites.RequisiteMiddleware": 950,
}
EXTENSIONS = {
    "crawler.extensions.redact_secrets.RedactSecrets": -100,
    "crawler.capture.archive.Archive": 0,
    "crawler.extensions.run_summary.RunSummary": 10,
    "crawler.extensions.run_report.RunReport": 20,
}
ITEM_PIPELINES = {
    "crawler.stages.revisions.RevisionFilter": 200,
    "crawler.stages.extraction.ExtractionStage": 300,
    "crawler.stages.store.StoreStage": 800,
    "crawler.stages.stories.StoriesStage": 850,
    "crawler.stages.store.SidecarStage": 900,
}
# `-O items.jsonl` exports the catalog's fields plus the text, not the raw body.
FEED_EXPORT_FIELDS = [
    "url", "canonical_url", "title", "author", "published", "language", "site_name",
    "description", "fetched_at", "text_path", "text_sha1", "warc_file", "warc_offset",
    "response_record_id", "payload_digest", "revision", "discovered_via", "source_title",
    "source_published", "source_language", "text",
]
FEED_EXPORT_ENCODING = "utf-8"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"

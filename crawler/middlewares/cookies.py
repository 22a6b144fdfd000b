"""Scrapy's CookiesMiddleware, with jars filled from Netscape cookies.txt files.

A logged-in browser session, exported to a cookies.txt file (README "Cookies and logged-in
sessions"), is loaded when the spider opens: ``ARCHIVE_COOKIES_FILE`` into the default jar
(single-site runs), and each site's ``cookies_file`` of the sources file into that site's jar
(the spider's ``cookie_files``: jar key -> path; its requests carry ``meta["cookiejar"]``).
Everything else is Scrapy's behaviour: the jar's cookies go with each request that matches
them, and ``Set-Cookie`` answers update the jar. The ``Cookie`` header is sent but not
archived unless ``WARC_KEEP_CREDENTIALS`` (pipelines/storage/exchanges.py).
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

from crawler.discovery.cookies import load_cookies

logger = logging.getLogger(__name__)


class CookiesFileMiddleware(CookiesMiddleware):
    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.default_file = crawler.settings.get("ARCHIVE_COOKIES_FILE") or None
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider) -> None:
        files = {None: self.default_file} if self.default_file else {}
        files.update(getattr(spider, "cookie_files", None) or {})
        for key, path in files.items():
            self.load(key, path)

    def load(self, key, path) -> int:
        """Put the file's cookies into jar ``key``; the number loaded (CookiesFileError if it is malformed)."""
        jar = self.jars[key]
        cookies = load_cookies(path)
        for cookie in cookies:
            jar.set_cookie(cookie)
        logger.info("Loaded %d cookies from %s%s", len(cookies), path, f" for {key}" if key else "")
        self.crawler.stats.inc_value("cookies/loaded", len(cookies))
        return len(cookies)

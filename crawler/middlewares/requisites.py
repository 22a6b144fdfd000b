"""Page requisites (ARCHIVE_REQUISITES): the stylesheets, fonts, scripts, images and
iframes a browser needs to render each archived HTML page, fetched and archived so that
the snapshot replays like the page.

- ``RequisiteMiddleware`` (spider middleware) reads every archived page's requisites
  (crawler/discovery/requisites.py) once its callback has run: an article page (or, with
  ARCHIVE_REQUISITES_NAVIGATION, any HTML page), then a stylesheet's ``@import`` and
  ``url()`` references and, one level deep, an iframe's own requisites. At most
  ARCHIVE_REQUISITES_MAX_PER_PAGE per page are requested (``requisites/limited/count``).
  Requisites may come from any host (``allow_offsite``); links stay in the crawl's scope.
  They obey robots.txt unless ARCHIVE_REQUISITES_ROBOTS is False, and the private-address
  guard and DOWNLOAD_MAXSIZE as every request does. Each URL is requested once per run
  (Scrapy's dupe filter); across runs the recrawl middleware skips those archived less
  than ARCHIVE_REQUISITES_RECRAWL_AFTER ago, and re-fetches the others conditionally.
- ``RequisiteBudgetMiddleware`` (downloader middleware) stops requesting a page's
  requisites once they reached ARCHIVE_REQUISITES_MAX_BYTES (``requisites/limited/bytes``;
  requests already in flight finish) and counts the bytes received.

Requisites are captures, not articles: their callback yields nothing, so no extraction
and no article row; they are counted as ``requisites/fetched``, ``requisites/failed``,
``requisites/bytes`` (the run summary's ``requisites``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from crawler import meta
from crawler.discovery.requisites import (
    IFRAME,
    STYLESHEET,
    Requisite,
    css_requisites,
    page_requisites,
)
from crawler.drops import RequisiteLimit
from crawler.items import Article

logger = logging.getLogger(__name__)

PAGES_REMEMBERED = 10_000  # pages whose requisite count/bytes are kept (oldest forgotten first)
PRIORITY = 10  # before further pages: a page's requisites are fetched close to it in time
ACCEPT = {
    STYLESHEET: b"text/css,*/*;q=0.1",
    "image": b"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "icon": b"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "script": b"*/*",
    "font": b"*/*",
}


class _PerPage(OrderedDict):
    """A number per page URL, forgetting the oldest pages past PAGES_REMEMBERED."""

    def add(self, page: str, amount: int) -> int:
        value = self.pop(page, 0) + amount
        self[page] = value
        while len(self) > PAGES_REMEMBERED:
            self.popitem(last=False)
        return value


class RequisiteMiddleware:
    def __init__(self, crawler, *, navigation: bool, iframes: bool, max_per_page: int, max_candidates: int,
                 obey_robots: bool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.navigation = navigation
        self.iframes = iframes
        self.max_per_page = max_per_page
        self.max_candidates = max_candidates
        self.obey_robots = obey_robots
        self.requested = _PerPage()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_REQUISITES"):
            raise NotConfigured
        return cls(crawler, navigation=settings.getbool("ARCHIVE_REQUISITES_NAVIGATION"),
                   iframes=settings.getbool("ARCHIVE_REQUISITES_IFRAMES"),
                   max_per_page=settings.getint("ARCHIVE_REQUISITES_MAX_PER_PAGE"),
                   max_candidates=settings.getint("ARCHIVE_REQUISITES_MAX_CANDIDATES"),
                   obey_robots=settings.getbool("ARCHIVE_REQUISITES_ROBOTS"))

    # -- Scrapy's spider-middleware interface (sync and async outputs) -------------------
    def process_spider_output(self, response, result, spider=None):
        article = False
        for output in result:
            article = article or isinstance(output, Article)
            yield output
        yield from self._requisites(response, article)

    async def process_spider_output_async(self, response, result, spider=None):
        article = False
        async for output in result:
            article = article or isinstance(output, Article)
            yield output
        for request in self._requisites(response, article):
            yield request

    # -- what a response needs --------------------------------------------------------
    def _requisites(self, response, article: bool) -> list[scrapy.Request]:
        spider = self.crawler.spider
        if not hasattr(spider, "parse_requisite"):
            return []
        requisite = response.meta.get(meta.REQUISITE)
        if requisite:
            self._count_response(response, requisite)
            return self._nested(response, requisite)
        if response.status != 200 or not isinstance(response, HtmlResponse):
            return []
        if not (article or response.meta.get(meta.ARTICLE) is True or self.navigation):
            return []
        found = page_requisites(response.body, response.url, max_candidates=self.max_candidates,
                                iframes=self.iframes)
        return self._requests(found, page=response.url, depth=0, via=response)

    def _nested(self, response, requisite: dict) -> list[scrapy.Request]:
        if not 200 <= response.status < 300:
            return []
        page, depth = requisite["page"], requisite.get("depth", 0)
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if requisite["kind"] == STYLESHEET or content_type.startswith("text/css"):
            return self._requests(css_requisites(response.body, response.url), page=page, depth=depth, via=response)
        if requisite["kind"] == IFRAME and isinstance(response, HtmlResponse) and depth == 0:
            found = page_requisites(response.body, response.url, max_candidates=self.max_candidates, iframes=False)
            return self._requests(found, page=page, depth=1, via=response)
        return []

    def _count_response(self, response, requisite: dict) -> None:
        status = response.status
        if 200 <= status < 300 or status == 304:
            self.stats.inc_value("requisites/fetched")
            self.stats.inc_value(f"requisites/fetched/{requisite['kind']}")
            capture = response.meta.get(meta.CAPTURE) or {}
            if status == 304 or capture.get("payload_record_id", capture.get("record_id")) != capture.get("record_id"):
                self.stats.inc_value("requisites/unchanged")
        elif status >= 400:
            self.stats.inc_value("requisites/failed")
            self.stats.inc_value("requisites/failed/http_status")
            logger.info("Requisite %s of %s answered HTTP %d", response.url, requisite["page"], status)

    def _requests(self, found: list[Requisite], *, page: str, depth: int, via) -> list[scrapy.Request]:
        """Requests for ``found``, needed by ``page``; they go out as ``via`` (the response that
        named them) did: through its site's proxy, with its cookie jar (the spider says which);
        proxies from the environment apply to them as to every request."""
        if not found:
            return []
        before = self.requested.get(page, 0)
        room = max(0, self.max_per_page - before)
        if len(found) > room:
            self.stats.inc_value("requisites/limited/count", len(found) - room)
            logger.info("%s needs %d more requisites; %d are requested (ARCHIVE_REQUISITES_MAX_PER_PAGE=%d)",
                        page, len(found), room, self.max_per_page)
            found = found[:room]
        self.requested.add(page, len(found))
        self.stats.inc_value("requisites/requested", len(found))
        spider = self.crawler.spider
        inherited = spider.requisite_meta(via) if hasattr(spider, "requisite_meta") else {}
        requests = []
        for requisite in found:
            request_meta = {meta.REQUISITE: {"page": page, "kind": requisite.kind, "depth": depth},
                            "allow_offsite": True, **inherited}
            if not self.obey_robots:
                request_meta["dont_obey_robotstxt"] = True
            headers = {b"Accept": ACCEPT[requisite.kind]} if requisite.kind in ACCEPT else None
            requests.append(scrapy.Request(requisite.url, callback=spider.parse_requisite,
                                           errback=spider.requisite_failed, meta=request_meta, headers=headers,
                                           priority=PRIORITY))
        return requests


class RequisiteBudgetMiddleware:
    """At most ARCHIVE_REQUISITES_MAX_BYTES of requisites per page (0: no limit)."""

    def __init__(self, stats, max_bytes: int):
        self.stats = stats
        self.max_bytes = max_bytes
        self.received = _PerPage()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_REQUISITES"):
            raise NotConfigured
        return cls(crawler.stats, settings.getint("ARCHIVE_REQUISITES_MAX_BYTES"))

    def process_request(self, request, spider=None):
        requisite = request.meta.get(meta.REQUISITE)
        if requisite and self.max_bytes and self.received.get(requisite["page"], 0) >= self.max_bytes:
            self.stats.inc_value("requisites/limited/bytes")
            raise RequisiteLimit(f"the requisites of {requisite['page']} reached ARCHIVE_REQUISITES_MAX_BYTES="
                                 f"{self.max_bytes}: {request.url}")
        return None

    def process_response(self, request, response, spider=None):
        requisite = request.meta.get(meta.REQUISITE)
        if requisite:
            size = len(response.body)  # as received: this runs before decompression
            self.received.add(requisite["page"], size)
            self.stats.inc_value("requisites/bytes", size)
        return response

"""What every spider of the project shares: URL arguments, article requests,
turning a response into an Article item, and reporting failed requests."""

from __future__ import annotations

import logging

import scrapy
from scrapy.exceptions import IgnoreRequest

from crawler.capture.warc_capture import CONDITIONAL_HEADERS, PAYLOAD_META_KEY
from crawler.distributed import seeds
from crawler.items import Article
from crawler.middlewares.recrawl import ARTICLE_META, MAYBE_ARTICLE, AlreadyArchived

from .inputs import allowed_hosts, parse_url_arguments

logger = logging.getLogger(__name__)

# request.meta key: what discovery said about an article (sitemap/feed title, date, language)
SOURCE_META = "archive_source"


class ArchiveSpider(scrapy.Spider):
    """Base of the project's spiders: ``-a urls=A,B`` and/or ``-a urls_file=PATH``."""

    def __init__(self, urls: str | None = None, urls_file: str | None = None, _frontier_worker: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        # A worker of a distributed crawl may start with nothing to seed: the frontier has the work.
        worker_only = _frontier_worker and not (urls or urls_file)
        self.input_urls = [] if worker_only else parse_url_arguments(urls, urls_file)
        # Scrapy's OffsiteMiddleware keeps requests and redirects on these hosts.
        self.allowed_domains = allowed_hosts(self.input_urls)
        # Only these may resolve to private or loopback addresses (see the download handler).
        self.start_hosts = frozenset(self.allowed_domains)

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        if settings.getbool("DISTRIBUTED"):
            seeds.enable(settings)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if crawler.settings.getbool("DISTRIBUTED"):
            kwargs = seeds.worker_arguments(crawler.settings, cls.name, kwargs)
        return super().from_crawler(crawler, *args, **kwargs)

    @classmethod
    def check_arguments(cls, urls: str | None = None, urls_file: str | None = None, **kwargs) -> None:
        """Called by `scrapy crawl` before the crawl starts: raise UsageError on bad arguments."""
        parse_url_arguments(urls, urls_file)

    def article_request(self, url: str, *, via: str, maybe: bool = False, **source) -> scrapy.Request:
        """A request for an article page; ``maybe``: only the page itself can tell."""
        meta = {ARTICLE_META: MAYBE_ARTICLE if maybe else True,
                SOURCE_META: {"discovered_via": via, **{k: v for k, v in source.items() if v}}}
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed, meta=meta)

    def parse_article(self, response):
        yield article_from_response(response)

    def failed(self, failure):
        url = failure.request.url
        if failure.check(AlreadyArchived):
            logger.debug("%s", failure.value)
            return
        if failure.check(IgnoreRequest):  # robots.txt or scope: by design, not a fault
            self.crawler.stats.inc_value("crawl/ignored")
            logger.warning("Not fetched %s: %s", url, failure.getErrorMessage())
            return
        self.crawler.stats.inc_value(f"crawl/failed/{type(failure.value).__name__}")
        logger.error("Could not fetch %s: %s", url, failure.getErrorMessage())


def article_from_response(response) -> Article:
    # The record holding the payload: the response itself, or a revisit's original.
    location = response.meta.get(PAYLOAD_META_KEY)
    source = response.meta.get(SOURCE_META) or {}
    return Article(
        url=response.url,
        status=response.status,
        content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1"),
        body=response.body,
        fetched_at=response.meta.get("fetched_at"),
        warc_file=location.filename if location else None,
        warc_offset=location.offset if location else None,
        response_record_id=location.record_id if location else None,
        payload_digest=location.payload_digest if location else None,
        conditional=any(response.request.headers.get(name) for name in CONDITIONAL_HEADERS),
        truncated="dataloss" in response.flags,
        discovered_via=source.get("discovered_via"),
        source_title=source.get("title"),
        source_published=source.get("published"),
        source_language=source.get("language"),
    )

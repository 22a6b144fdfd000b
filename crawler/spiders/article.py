"""``scrapy crawl article -a urls=URL1,URL2 [-a urls_file=PATH]``: archive given articles."""

from __future__ import annotations

import logging

import scrapy
from scrapy.exceptions import IgnoreRequest

from crawler.capture.warc_capture import PAYLOAD_META_KEY
from crawler.items import Article
from crawler.middlewares.recrawl import ARTICLE_META, AlreadyArchived

from .inputs import allowed_hosts, parse_url_arguments

logger = logging.getLogger(__name__)


class ArticleSpider(scrapy.Spider):
    name = "article"

    def __init__(self, urls: str | None = None, urls_file: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.article_urls = parse_url_arguments(urls, urls_file)
        # Scrapy's OffsiteMiddleware keeps requests and redirects on these hosts.
        self.allowed_domains = allowed_hosts(self.article_urls)

    @classmethod
    def check_arguments(cls, urls: str | None = None, urls_file: str | None = None, **kwargs) -> None:
        parse_url_arguments(urls, urls_file)

    async def start(self):
        for url in self.article_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, meta={ARTICLE_META: True})

    def parse(self, response):
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
    )

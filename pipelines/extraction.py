"""Scrapy pipeline around ``pipelines.extract.extract_article``.

Responses that are not articles (error status, not HTML, binary bodies served
as HTML, too little text) are dropped with a reason; their raw exchange is
already in the WARC, written by the capture layer.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter

from . import drops
from .extract import extract_article, looks_like_html

logger = logging.getLogger(__name__)


class ExtractionPipeline:
    def __init__(self, stats, min_chars: int, content_types: list[str], max_bytes: int = 0):
        self.max_bytes = max_bytes
        self.stats = stats
        self.min_chars = min_chars
        self.content_types = tuple(t.lower() for t in content_types)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            crawler.stats,
            settings.getint("EXTRACT_MIN_CHARS"),
            settings.getlist("EXTRACT_CONTENT_TYPES"),
            settings.getint("EXTRACT_MAX_BYTES"),
        )

    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            self._extract(adapter)
        except drops.NotAnArticle as drop:
            self.stats.inc_value(drop.stats_key)
            raise
        self.stats.inc_value("extract/ok")
        return item

    def _extract(self, adapter: ItemAdapter) -> None:
        url, status = adapter["url"], adapter["status"]
        if not 200 <= status < 300:
            raise drops.HttpErrorStatus(f"HTTP {status}: {url}")
        media_type = adapter["content_type"].split(";", 1)[0].strip().lower()
        if media_type and media_type not in self.content_types:
            raise drops.NotHtml(f"{media_type or 'no content type'}: {url}")
        body = adapter["body"]
        if self.max_bytes and len(body) > self.max_bytes:  # extraction time grows with the page
            raise drops.TooLarge(f"{len(body)} bytes > EXTRACT_MAX_BYTES={self.max_bytes}: {url}")
        if not looks_like_html(body):
            raise drops.BinaryBody(f"body is not HTML ({len(body)} bytes): {url}")
        try:
            article = extract_article(body, url)
        except Exception as exc:  # one bad page never stops the crawl
            logger.exception("Extraction failed for %s", url)
            raise drops.ExtractionFailed(f"{type(exc).__name__}: {exc}: {url}") from exc
        if article is None or not article.text:
            raise drops.NoArticleText(f"no article text: {url}")
        if len(article.text) < self.min_chars:
            raise drops.TextTooShort(f"{len(article.text)} chars < EXTRACT_MIN_CHARS={self.min_chars}: {url}")
        for name in ("canonical_url", "title", "author", "published", "language", "site_name",
                     "description", "text"):
            adapter[name] = getattr(article, name)

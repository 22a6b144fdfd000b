"""URLs over URLLENGTH_LIMIT: Scrapy's own middleware drops them at INFO; here each
is counted and logged at WARNING with the URL cut short, and an article URL that was
asked for counts as a failure of the run (``crawl/failed/url_too_long``)."""

from __future__ import annotations

import logging

from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware

from crawler import meta

logger = logging.getLogger(__name__)

SHOWN = 200  # characters of the URL shown in the log


class CountedUrlLengthMiddleware(UrlLengthMiddleware):
    def get_processed_request(self, request, response):
        if len(request.url) <= self.maxlength:
            return request
        article = request.meta.get(meta.ARTICLE) is True
        if article:  # an article URL that was due, and failed
            self.crawler.stats.inc_value("archive/expected")
        self.crawler.stats.inc_value("crawl/failed/url_too_long" if article else "crawl/ignored/url_too_long")
        logger.warning("Not fetched: URL of %d characters, over URLLENGTH_LIMIT=%d: %s…", len(request.url),
                       self.maxlength, request.url[:SHOWN])
        return None

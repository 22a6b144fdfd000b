"""Incremental archiving: an article URL archived less than RECRAWL_AFTER ago
is not fetched again; an older one is re-fetched with conditional headers
(If-None-Match / If-Modified-Since) from its last good capture.

Only requests marked as article pages (``request.meta[ARTICLE_META]``) are
concerned: sitemaps, feeds and front pages are fetched on every run.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from scrapy.exceptions import IgnoreRequest

from crawler.resources import catalog

logger = logging.getLogger(__name__)

ARTICLE_META = "archive_article"
# ARTICLE_META value for a page that may be an article (the site spider follows
# links before it can tell): skipped only when the catalog has it as an article.
MAYBE_ARTICLE = "maybe"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class AlreadyArchived(IgnoreRequest):
    """Archived recently enough: not fetched again in this run."""


def parse_duration(value) -> dt.timedelta:
    """``7d``, ``12h``, ``30m``, ``90s``, ``2w`` or plain seconds."""
    if isinstance(value, int | float):
        return dt.timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"RECRAWL_AFTER: not a duration like 7d, 12h, 30m: {value!r}")
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def parse_warc_date(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class RecrawlMiddleware:
    def __init__(self, catalog, stats, recrawl_after: dt.timedelta, clock=lambda: dt.datetime.now(dt.UTC)):
        self.catalog = catalog
        self.stats = stats
        self.recrawl_after = recrawl_after
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler):
        after = parse_duration(crawler.settings.get("RECRAWL_AFTER"))
        return cls(catalog(crawler), crawler.stats, after)

    def process_request(self, request, spider=None):
        if not request.meta.get(ARTICLE_META) or request.meta.get("recrawl_checked"):
            return None
        request.meta["recrawl_checked"] = True  # retries and redirects are not re-checked
        last = self.catalog.last_capture(request.url)
        if request.meta[ARTICLE_META] == MAYBE_ARTICLE and self.catalog.latest_revision(request.url) is None:
            last = None  # a navigation page, or an article not archived yet: fetch it
        if request.meta.get("frontier_returned") and self.catalog.latest_revision(request.url) is None:
            last = None  # a dead worker may have captured it without storing the article: fetch again
        if last is not None:  # a complete 2xx, or a 304 to a conditional request (Catalog.last_capture)
            age = self.clock() - parse_warc_date(last["fetched_at"])
            if age < self.recrawl_after:
                self.stats.inc_value("archive/skipped_recent")
                raise AlreadyArchived(f"archived {age} ago, RECRAWL_AFTER is {self.recrawl_after}: {request.url}")
            good = self.catalog.last_ok_capture(request.url)
            if good is not None and good["etag"]:
                request.headers.setdefault(b"If-None-Match", good["etag"])
            if good is not None and good["last_modified"]:
                request.headers.setdefault(b"If-Modified-Since", good["last_modified"])
            self.stats.inc_value("archive/recrawled")
        if request.meta[ARTICLE_META] is True:
            self.stats.inc_value("archive/expected")
        return None

"""Incremental archiving: an article URL archived less than RECRAWL_AFTER ago is not
fetched again; an older one is re-fetched with conditional headers (If-None-Match /
If-Modified-Since) from its last complete capture.

Only requests marked as article pages (``request.meta[meta.ARTICLE]``) and page requisites
(``meta.REQUISITE``, with their own age, ARCHIVE_REQUISITES_RECRAWL_AFTER) are concerned:
sitemaps, feeds and front pages are fetched on every run. The URL's catalog state is
looked up here, once, and travels with the request (``meta.STATE``) to the item
pipelines.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from crawler import meta
from crawler.capture.archive import Archive
from crawler.drops import AlreadyArchived
from pipelines.storage.catalog import UrlState

logger = logging.getLogger(__name__)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


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
    def __init__(self, archive: Archive, stats, recrawl_after: dt.timedelta,
                 clock=lambda: dt.datetime.now(dt.UTC), requisites_after: dt.timedelta | None = None):
        self.archive = archive
        self.stats = stats
        self.recrawl_after = recrawl_after
        self.requisites_after = recrawl_after if requisites_after is None else requisites_after
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler.get_extension(Archive), crawler.stats, parse_duration(settings.get("RECRAWL_AFTER")),
                   requisites_after=parse_duration(settings.get("ARCHIVE_REQUISITES_RECRAWL_AFTER", "30d")))

    def process_request(self, request, spider=None):
        if request.meta.get(meta.REQUISITE):
            return self._requisite(request)
        kind = request.meta.get(meta.ARTICLE)
        if not kind or request.meta.get(meta.RECRAWL_CHECKED):
            return None
        request.meta[meta.RECRAWL_CHECKED] = True  # retries and redirects are not re-checked
        state = UrlState.of(self.archive.catalog, request.url)
        request.meta[meta.STATE] = state.as_meta()
        recent = state.last_fetched is not None
        if (kind == meta.MAYBE_ARTICLE or request.meta.get(meta.RETURNED)) and not state.revision:
            # a navigation page, or an article not archived yet; or a dead worker may have
            # captured it without storing the article: fetch it
            recent = False
        if recent:  # a complete 2xx, or a 304 to a conditional request (Catalog.last_capture)
            age = self.clock() - parse_warc_date(state.last_fetched)
            if age < self.recrawl_after:
                self.stats.inc_value("archive/skipped_recent")
                raise AlreadyArchived(f"archived {age} ago, RECRAWL_AFTER is {self.recrawl_after}: {request.url}")
            if state.etag:
                request.headers.setdefault(b"If-None-Match", state.etag)
            if state.last_modified:
                request.headers.setdefault(b"If-Modified-Since", state.last_modified)
            self.stats.inc_value("archive/recrawled")
        if kind is True:
            self.stats.inc_value("archive/expected")
        return None

    def _requisite(self, request) -> None:
        """A page requisite archived less than ARCHIVE_REQUISITES_RECRAWL_AFTER ago is not
        fetched again; an older one is re-fetched conditionally (a 304 or the same payload
        becomes a revisit). Replay uses the nearest capture, so older captures still render."""
        if request.meta.get(meta.RECRAWL_CHECKED):
            return None
        request.meta[meta.RECRAWL_CHECKED] = True
        capture = self.archive.catalog.last_capture(request.url)
        if capture is None:
            return None
        age = self.clock() - parse_warc_date(capture["fetched_at"])
        if age < self.requisites_after:
            self.stats.inc_value("requisites/skipped_recent")
            raise AlreadyArchived(f"requisite archived {age} ago, ARCHIVE_REQUISITES_RECRAWL_AFTER is "
                                  f"{self.requisites_after}: {request.url}")
        good = self.archive.catalog.last_ok_capture(request.url)
        if good is not None and good["etag"]:
            request.headers.setdefault(b"If-None-Match", good["etag"])
        if good is not None and good["last_modified"]:
            request.headers.setdefault(b"If-Modified-Since", good["last_modified"])
        self.stats.inc_value("requisites/recrawled")
        return None

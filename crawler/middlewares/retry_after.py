"""Retry-After: a 429 or 503 that says how long to wait holds that host's next request.

RFC 9110 10.2.3: ``Retry-After`` is a number of seconds or an HTTP date. The wait,
bounded by ``ARCHIVE_RETRY_AFTER_MAX``, is put on the response's download slot (the
host: crawler/capture/downloader.py), so the retry that Scrapy's RetryMiddleware
schedules, and every other request to that host, leaves only after it; other hosts are
served meanwhile. Placed above RetryMiddleware (550) so that it sees the response first.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging

from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)

STATUSES = (429, 503)


def parse_retry_after(value: bytes | str | None, now: dt.datetime) -> float | None:
    """Seconds to wait: ``120`` or ``Wed, 21 Oct 2026 07:28:00 GMT``; None when absent or malformed."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler, max_wait: float, clock=lambda: dt.datetime.now(dt.UTC)):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_wait = max_wait
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("ARCHIVE_RETRY_AFTER_MAX"))

    def process_response(self, request, response, spider=None):
        if response.status not in STATUSES:
            return response
        wait = parse_retry_after(response.headers.get(b"Retry-After"), self.clock())
        if wait is None:
            return response
        if wait > self.max_wait:
            logger.warning("%s asked to wait %.0f s (Retry-After), more than ARCHIVE_RETRY_AFTER_MAX: waiting %.0f s",
                           request.url, wait, self.max_wait)
            wait = self.max_wait
        key = request.meta.get("download_slot") or urlparse_cached(request).hostname or ""
        downloader = self.crawler.engine.downloader
        hold = getattr(downloader, "hold", None)
        if hold is None or not hold(key, wait):
            return response
        self.stats.inc_value("downloader/retry_after/count")
        self.stats.max_value("downloader/retry_after/max_wait", round(wait, 3))
        logger.info("HTTP %d with Retry-After: nothing more goes to %s for %.1f s (%s)",
                    response.status, key, wait, request.url)
        return response

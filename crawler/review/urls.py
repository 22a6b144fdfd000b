"""URLs in review: the host a URL is filed under, and where an archived capture
replays in ``scrapy replay`` (pywb's URL scheme)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


def url_host(url: str | None) -> str:
    """The URL's host name in lower case; ``""`` when it has none or is not a URL."""
    try:
        return (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""


def warc_timestamp(warc_date: str) -> str:
    """``2024-02-04T09:30:01.5Z`` -> ``20240204093001`` (pywb's 14-digit timestamp)."""
    digits = re.sub(r"\D", "", warc_date)[:14]
    if len(digits) != 14:
        raise ValueError(f"not a WARC-Date: {warc_date!r}")
    return digits


def replay_url(settings, url: str, warc_date: str) -> str:
    """``http://127.0.0.1:PORT/COLLECTION/TIMESTAMP/URL`` (REPLAY_PORT, REPLAY_COLLECTION)."""
    return (f"http://127.0.0.1:{settings.getint('REPLAY_PORT')}/{settings.get('REPLAY_COLLECTION')}/"
            f"{warc_timestamp(warc_date)}/{url}")

"""Where an archived capture replays in ``scrapy replay`` (pywb's URL scheme)."""

from __future__ import annotations

import re


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

"""The per-host download slots (crawler/capture/downloader.py) and Retry-After values
(crawler/middlewares/retry_after.py); the crawls that measure them are in test_politeness_e2e.py."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from scrapy import Request

from crawler.capture.downloader import HostSlot, PoliteDownloader
from crawler.middlewares.retry_after import parse_retry_after
from tests.components import project_crawler

NOW = dt.datetime(2026, 10, 21, 7, 28, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("value, seconds", [
    (b"3", 3.0), ("120", 120.0), (b" 0 ", 0.0),
    (b"Wed, 21 Oct 2026 07:28:30 GMT", 30.0),  # an HTTP date
    (b"Wed, 21 Oct 2026 07:00:00 GMT", 0.0),  # already past
    (b"soon", None), (b"-5", None), (None, None), (b"", None),
])
def test_retry_after_is_seconds_or_an_http_date(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


def test_a_slots_configured_delay_is_a_floor_autothrottle_cannot_lower():
    slot = HostSlot(2, 1.5, 0.0, floor=1.5)
    slot.delay = 0.2  # what AutoThrottle would set for a fast server
    assert slot.delay == 1.5
    slot.delay = 4.0
    assert slot.delay == 4.0
    jittered = HostSlot(2, 1.5, 0.5, floor=1.5)
    assert min(jittered.download_delay() for _ in range(200)) >= 1.5  # the jitter only adds


def test_download_slots_cover_subdomains_and_holds_are_kept(tmp_path):
    crawler = project_crawler(tmp_path / "archive", DOWNLOAD_SLOTS={"example.com": {"delay": 2.0, "concurrency": 1}},
                              DOWNLOAD_DELAY=0.25)

    async def check():  # slots schedule their calls on the running loop
        slots_and_holds(PoliteDownloader(crawler))

    asyncio.run(check())


def slots_and_holds(downloader: PoliteDownloader) -> None:
    key, slot = downloader._get_slot(Request("https://cdn.news.example.com/a"))
    assert key == "cdn.news.example.com" and (slot.delay, slot.concurrency, slot.floor) == (2.0, 1, 2.0)
    _, other = downloader._get_slot(Request("https://example.org/a"))
    assert (other.delay, other.floor) == (0.25, 0.0)
    assert downloader.hold(key, 60) and slot.not_before > 0
    slot.lastseen = 0  # idle for long: an ordinary slot would be collected
    downloader._slot_gc(age=0)
    assert key in downloader.slots and "example.org" not in downloader.slots
    assert not downloader.hold("unknown.example", 5)
    downloader.close()

"""Scrapy's downloader with per-host slots that hold (``DOWNLOADER``).

Every request the crawl makes (articles, robots.txt through ``engine.download_async``,
sitemaps, feeds, page requisites) waits in its host's download slot, and the slot is where
politeness lives: ``CONCURRENT_REQUESTS_PER_DOMAIN``, ``DOWNLOAD_DELAY`` and the delays of
``DOWNLOAD_SLOTS`` (the sources file's ``crawl_delay``). Three things are changed here:

- **Concurrency.** Scrapy 2.19's ``Downloader._process_queue`` hands each request it takes
  from a slot's queue to a new task (``_schedule_coro``), and the task marks the request as
  transferring only once it first runs, after the loop has emptied the queue: under the
  asyncio reactor every request waiting for a host started at once (with
  ``CONCURRENT_REQUESTS_PER_DOMAIN = 2``, a server counting open requests saw 11 of 12).
  Here the request is marked transferring before its task is scheduled.
- **Retry-After.** ``hold(slot_key, seconds)`` keeps a host's next request back until then
  (crawler/middlewares/retry_after.py calls it on a 429/503); other hosts' slots go on.
  A held slot is not garbage-collected while the hold lasts.
- **Site delays.** A ``DOWNLOAD_SLOTS`` entry for ``example.com`` also covers its subdomains
  (the nearest entry wins), and a slot's configured delay is a floor that neither
  AutoThrottle (which only knows ``DOWNLOAD_DELAY`` as its minimum) nor the random jitter
  (``DOWNLOAD_DELAY_JITTER``, ±50% by default) goes below.
"""

from __future__ import annotations

import logging
from time import monotonic
from typing import Any

from scrapy.core.downloader import Downloader, Slot, _slot_jitter
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

logger = logging.getLogger(__name__)


class HostSlot(Slot):
    """A download slot with a delay floor and a moment before which nothing is sent."""

    def __init__(self, concurrency: int, delay: float, jitter: float, floor: float = 0.0):
        self.floor = floor  # the configured delay: AutoThrottle may raise the delay, never lower it
        self.not_before = 0.0  # monotonic time before which no request leaves (Retry-After)
        super().__init__(concurrency, delay, jitter)

    @property  # type: ignore[override]
    def delay(self) -> float:
        return self._delay_value

    @delay.setter
    def delay(self, value: float) -> None:
        self._delay_value = max(float(value), self.floor)

    def download_delay(self) -> float:
        """Scrapy's jittered delay, never below the floor: a site's crawl_delay is a minimum."""
        return max(self.floor, super().download_delay())


class PoliteDownloader(Downloader):
    def slot_settings(self, key: str) -> dict[str, Any]:
        """The DOWNLOAD_SLOTS entry of this slot key, else of its nearest parent domain."""
        labels = key.split(".")
        for start in range(len(labels)):
            entry = self.per_slot_settings.get(".".join(labels[start:]))
            if entry is not None:
                return entry
        return {}

    def _get_slot(self, request, spider=None) -> tuple[str, Slot]:
        key = self.get_slot_key(request)
        if key not in self.slots:
            settings = self.slot_settings(key)
            concurrency = settings.get("concurrency", self.ip_concurrency or self.domain_concurrency)
            delay = float(settings.get("delay", self._delay))
            floor = float(settings["delay"]) if "delay" in settings else 0.0
            self.slots[key] = HostSlot(concurrency, delay, _slot_jitter(settings, self._jitter), floor)
            self._start_slot_gc()
        return key, self.slots[key]

    def hold(self, key: str, seconds: float) -> bool:
        """Send nothing more to this slot for ``seconds``; False when there is no such slot."""
        slot = self.slots.get(key)
        if not isinstance(slot, HostSlot):
            return False
        slot.not_before = max(slot.not_before, monotonic() + seconds)
        if slot.latercall:  # a shorter wait (the download delay) was already scheduled: wait longer
            slot.latercall.cancel()
            slot.latercall = None
        self._process_queue(slot)
        return True

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # processing resumes when the scheduled call runs
        now = monotonic()
        delay = slot.download_delay()
        wait = getattr(slot, "not_before", 0.0) - now
        if delay:
            wait = max(wait, delay - now + slot.lastseen)
        if wait > 0:
            slot.latercall = call_later(wait, self._latercall, slot)
            return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            # Counted as transferring now, not when its task first runs: otherwise this loop
            # would take every queued request before any of them counts.
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay
                self._process_queue(slot)
                break

    def _slot_gc(self, age: float = 60) -> None:
        now = monotonic()
        for key, slot in list(self.slots.items()):
            held = getattr(slot, "not_before", 0.0) > now  # a hold outlives an idle slot
            if not slot.active and not held and slot.lastseen + slot.delay <= now - age:
                self.slots.pop(key).close()

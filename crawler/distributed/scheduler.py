"""The scrapy-redis scheduler on the leased frontier (``SCHEDULER`` when DISTRIBUTED).

scrapy-redis gives the request queue layout, its dupe filter and request
(de)serialisation; on top of it this scheduler

- takes requests from the queue under a lease (``frontier.Frontier``) and drops
  the lease once Scrapy is done with the request: its download, callback and
  items finished, or a redirect/retry of it was queued again;
- keeps going through a Redis outage: pushes wait in memory (then in
  ``ARCHIVE_DIR/frontier/`` if the worker stops) and are replayed later;
- runs the worker's presence (``worker.WorkerPresence``): heartbeat, progress,
  reclaiming dead workers' requests, idle exit.
"""

from __future__ import annotations

import glob
import itertools
import logging
import os
import time

import redis
from scrapy.exceptions import NotConfigured
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler import meta
from pipelines.storage.layout import ArchiveLayout

from . import serializer
from .connection import Keys, redacted, redis_client, worker_name
from .frontier import LEASE_SEPARATOR, Frontier
from .worker import WorkerPresence

logger = logging.getLogger(__name__)

class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, taking requests under a lease."""

    def __init__(self, server, spider, key, serializer=None, frontier: Frontier | None = None):
        super().__init__(server, spider, key, serializer=serializer)
        self.frontier = frontier

    def encode(self, request) -> bytes:
        data = request.to_dict(spider=self.spider)
        data["meta"] = {k: v for k, v in data.get("meta", {}).items() if k != meta.LEASE}
        return self.serializer.dumps(data)

    def push(self, request) -> None:
        self.frontier.push(self.encode(request), request.priority)

    def decode(self, data: bytes):
        return request_from_dict(self.serializer.loads(data), spider=self.spider)


class DistributedScheduler(RedisScheduler):
    def __init__(self, crawler, server: redis.Redis, keys: Keys, *, url: str, worker: str,
                 spool_dir: str, outage_limit: float):
        super().__init__(server, persist=True, queue_key=keys.queue, dupefilter_key=keys.dupefilter,
                         serializer=serializer)
        self.crawler = crawler
        self.url = url
        self.keys = keys
        self.frontier = Frontier(server, keys)
        self.worker = worker
        self.spool_dir = spool_dir
        self.outage_limit = outage_limit
        self.outage_since: float | None = None
        self.unpushed: list[bytes] = []  # encoded requests Redis did not take yet
        self.unacked: list[str] = []  # leases finished while Redis was away
        self._lease_numbers = itertools.count(1)
        self.retry_lease: str | None = None
        self.presence = WorkerPresence(crawler, self)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("DISTRIBUTED"):
            raise NotConfigured("DistributedScheduler needs DISTRIBUTED=1")
        url = settings.get("REDIS_URL")
        return cls(crawler, redis_client(url), Keys(settings.get("DISTRIBUTED_KEY_PREFIX"), crawler.spidercls.name),
                   url=url, worker=worker_name(os.getpid()),
                   spool_dir=os.fspath(ArchiveLayout.from_settings(settings).frontier_spool),
                   outage_limit=settings.getfloat("DISTRIBUTED_REDIS_OUTAGE"))

    # -- Redis availability ---------------------------------------------------------
    def redis_failed(self, exc: Exception, doing: str) -> None:
        if self.outage_since is None:
            self.outage_since = time.monotonic()
            self.crawler.stats.inc_value("frontier/redis_outages")
            logger.error("Redis at %s is unreachable while %s: %s: %s; retrying for up to %ss "
                         "(DISTRIBUTED_REDIS_OUTAGE)", redacted(self.url), doing, type(exc).__name__, exc,
                         self.outage_limit)

    def redis_back(self) -> None:
        if self.outage_since is not None:
            logger.warning("Redis at %s is reachable again after %.1fs", redacted(self.url),
                           time.monotonic() - self.outage_since)
            self.outage_since = None

    def outage_exceeded(self) -> bool:
        return self.outage_since is not None and time.monotonic() - self.outage_since >= self.outage_limit

    # -- Scrapy's scheduler interface -------------------------------------------------
    def open(self, spider):
        self.spider = spider
        self.queue = LeasedQueue(self.server, spider, self.keys.queue, serializer=serializer, frontier=self.frontier)
        self.df = RFPDupeFilter(self.server, key=self.keys.dupefilter, debug=False)
        self._hook_request_done()
        self._load_spool()
        if self.unpushed:
            self.flush_backlog()
        self.presence.open(spider)

    def close(self, reason):
        self.presence.close(reason)
        self.flush_backlog()
        if self.unpushed:
            self._write_spool()

    def has_pending_requests(self) -> bool:
        if self.outage_since is not None:
            return False
        try:
            return self.server.zcard(self.keys.queue) > 0
        except redis.RedisError as exc:
            self.redis_failed(exc, "counting the queue")
            return False

    def enqueue_request(self, request) -> bool:
        data = self.queue.encode(request)
        if self.outage_since is not None:  # the heartbeat retries; each call here would block the crawl
            self.unpushed.append(data)
            self.crawler.stats.inc_value("frontier/held_back")
            return True
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        try:
            if not self.frontier.push_unless_seen(data, request.priority, fingerprint):
                self.df.log(request, self.spider)
                return False
        except redis.RedisError as exc:
            self.redis_failed(exc, f"queueing {request.url}")
            self.unpushed.append(data)
            self.crawler.stats.inc_value("frontier/held_back")
            return True
        self.crawler.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        if self.outage_since is not None:
            return None
        # After a failed take the same lease is asked for again: Redis may have granted it
        # before the connection dropped.
        lease = self.retry_lease or f"{self.worker}{LEASE_SEPARATOR}{next(self._lease_numbers)}"
        try:
            data = self.frontier.take(lease)
        except redis.RedisError as exc:
            self.retry_lease = lease
            self.redis_failed(exc, "taking a request")
            return None
        self.retry_lease = None
        if data is None:
            return None
        try:
            request = self.queue.decode(data)
        except Exception as exc:  # a foreign or corrupt entry must not stop the worker
            logger.error("Dropped an unreadable entry of the shared frontier (%s: %s): %r",
                         type(exc).__name__, exc, data[:200])
            self.crawler.stats.inc_value("frontier/unreadable")
            self.frontier.done(lease)
            return None
        request.meta[meta.LEASE] = lease
        self.presence.check_scope(request)
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    # -- acknowledging -----------------------------------------------------------------
    def _hook_request_done(self) -> None:
        # Scrapy has no signal for "this request is completely handled"; the engine's
        # slot forgets a request exactly then (after its items went through the
        # pipelines, or after a redirect/retry replacing it was queued).
        slot = self.crawler.engine._slot
        forget = slot.remove_request

        def remove_request(request):
            lease = request.meta.get(meta.LEASE)
            if lease:
                self.request_done(lease)
            forget(request)

        slot.remove_request = remove_request

    def request_done(self, lease: str) -> None:
        if self.outage_since is None:
            try:
                self.frontier.done(lease)
                return
            except redis.RedisError as exc:
                self.redis_failed(exc, "acknowledging a request")
        self.unacked.append(lease)

    def flush_backlog(self) -> bool:
        """Hand Redis what waited during an outage; True when nothing is left."""
        try:
            if self.unacked:
                self.frontier.done(*self.unacked)
                self.unacked.clear()
            while self.unpushed:
                data = self.unpushed[0]
                request = self.queue.decode(data)
                fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
                self.frontier.push_unless_seen(data, request.priority, fingerprint)
                self.unpushed.pop(0)
        except redis.RedisError as exc:
            self.redis_failed(exc, "handing over held-back requests")
            return False
        self.redis_back()
        return True

    # -- spool: requests that never reached Redis survive the worker -------------------
    def _spool_path(self) -> str:
        return os.path.join(self.spool_dir, f"{self.keys.spider}-{self.worker.replace(':', '-')}.jsonl")

    def _write_spool(self) -> None:
        path = self._spool_path()
        os.makedirs(self.spool_dir, exist_ok=True)
        with open(path, "a", encoding="utf-8") as out:
            for data in self.unpushed:
                out.write(data.decode("utf-8") + "\n")
        logger.error("%d requests could not be handed to Redis; kept in %s, a worker starting with this "
                     "ARCHIVE_DIR queues them again", len(self.unpushed), path)
        self.crawler.stats.set_value("frontier/spooled", len(self.unpushed))
        self.unpushed.clear()

    def _load_spool(self) -> None:
        for path in sorted(glob.glob(os.path.join(self.spool_dir, f"{self.keys.spider}-*.jsonl"))):
            claimed = f"{path}.{os.getpid()}.loading"
            try:
                os.replace(path, claimed)  # atomic: one worker takes a spool file
            except FileNotFoundError:
                continue
            with open(claimed, encoding="utf-8") as spool:
                entries = [line.strip().encode("utf-8") for line in spool if line.strip()]
            logger.warning("Queueing again %d requests an earlier worker could not hand to Redis (%s)",
                           len(entries), path)
            self.crawler.stats.inc_value("frontier/respooled", len(entries))
            self.unpushed.extend(entries)
            os.remove(claimed)  # from here on they are this worker's, spooled again if need be

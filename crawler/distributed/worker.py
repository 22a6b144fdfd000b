"""A worker's presence in the shared frontier: it reports (heartbeat and
progress, read by ``scrapy frontier``), puts back the requests of workers that
stopped reporting, widens its scope when new sites are seeded, stops when Redis
stays away too long, and exits once the frontier has been empty long enough."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import time
from urllib.parse import urlsplit

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.capture.archive import Archive
from crawler.exit_status import FRONTIER_UNAVAILABLE_REASON, summarize

from . import seeds

logger = logging.getLogger(__name__)

# allowed_domains of a worker that knows no scope yet: matches no host (RFC 2606
# .invalid), because an empty list would let Scrapy's offsite filter allow all.
NO_SCOPE = "scope.invalid"


class WorkerPresence:
    def __init__(self, crawler, scheduler):
        settings = crawler.settings
        self.crawler = crawler
        self.scheduler = scheduler
        self.frontier = scheduler.frontier
        self.worker = scheduler.worker
        self.timeout = settings.getfloat("DISTRIBUTED_WORKER_TIMEOUT")
        self.idle_exit = settings.getfloat("DISTRIBUTED_IDLE_EXIT")
        self.interval = max(0.2, min(5.0, self.timeout / 3))
        self.started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.empty_since: float | None = None
        self.loop: task.LoopingCall | None = None
        self.spider = None
        self.seed_count = 0
        self.run_number = 0

    def open(self, spider) -> None:
        self.spider = spider
        if not getattr(spider, "allowed_domains", None):
            spider.allowed_domains = [NO_SCOPE]
        self.crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        with contextlib.suppress(redis.RedisError):
            self.seed_count = self.frontier.seed_count()
        self.run_number = self._run_number()
        self.beat()
        logger.info("Worker %s on the shared frontier %s (run %d)", self.worker, self.frontier.keys.queue,
                    self._run_number())
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(self.interval, now=False)

    def _run_number(self) -> int:
        try:
            return self.frontier.run_number()
        except redis.RedisError:
            return 0

    def info(self, state: str, reason: str | None = None) -> dict:
        summary = summarize(self.crawler.stats.get_stats(), state)  # the run summary's counts
        return {
            "host": socket.gethostname(), "pid": os.getpid(), "run": self.crawler.get_extension(Archive).run_id,
            "spider": self.spider.name if self.spider else None, "started": self.started, "state": state,
            "reason": reason, "fetched": summary["fetched"], "archived": summary["archived"],
            "unchanged": summary["unchanged"], "revisits": summary["warc_revisits"], "errors": summary["errors"],
            "frontier_run": self.run_number,
        }

    # -- heartbeat -------------------------------------------------------------------
    def beat(self) -> None:
        if not self.scheduler.flush_backlog():
            self._check_outage()
            return
        try:
            self.frontier.report(self.worker, self.info("crawling"), self.timeout)
            for owner, count in self.frontier.reclaim_dead(self.worker).items():
                logger.warning("Worker %s stopped reporting: %d requests it held are queued again", owner, count)
                self.crawler.stats.inc_value("frontier/reclaimed", count)
            self.refresh_arguments()
            if self.scheduler.has_pending_requests():
                self._wake_engine()
        except redis.RedisError as exc:
            self.scheduler.redis_failed(exc, "reporting")
            self._check_outage()
            return
        self.scheduler.redis_back()

    def _wake_engine(self) -> None:
        """Another worker queued requests: take some now, not at Scrapy's next 5 s heartbeat
        (an idle worker would otherwise leave a small site to the busy one). Scrapy has no
        public call for this; the engine's slot is private API, as in the scheduler's lease hook."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and getattr(slot, "nextcall", None) is not None:
            slot.nextcall.schedule()

    def _check_outage(self) -> None:
        if self.scheduler.outage_exceeded() and self.crawler.engine and self.crawler.engine.running:
            logger.critical("Redis has been unreachable for %.0fs (DISTRIBUTED_REDIS_OUTAGE): stopping this "
                            "worker; what it archived is kept, its queued requests stay in Redis",
                            self.scheduler.outage_limit)
            if self.loop is not None and self.loop.running:
                self.loop.stop()
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=FRONTIER_UNAVAILABLE_REASON))

    # -- seeds: new sites seeded while this worker runs ------------------------------
    def refresh_arguments(self) -> None:
        count = self.frontier.seed_count()
        if count == self.seed_count:
            return
        self.seed_count = count
        if not count:  # the run ended: keep the sites this worker knows
            return
        arguments = seeds.merged(self.frontier.seed_arguments())
        spider = self.spider
        known, hosts = set(spider.allowed_domains) - {NO_SCOPE}, frozenset(getattr(spider, "start_hosts", ()))
        spider.__init__(**arguments, **{seeds.WORKER_ARGUMENT: True})  # the seeds' sites and scope
        spider.allowed_domains = sorted(known | set(spider.allowed_domains)) or [NO_SCOPE]
        spider.start_hosts = hosts | frozenset(getattr(spider, "start_hosts", ()))
        logger.info("Worker %s took over newly seeded arguments: %d hosts in scope", self.worker,
                    len(spider.allowed_domains))

    def check_scope(self, request) -> None:
        """A request seeded after the last heartbeat may be for a site not known yet."""
        host = urlsplit(request.url).hostname or ""
        if not any(host == d or host.endswith("." + d) for d in self.spider.allowed_domains):
            try:
                self.refresh_arguments()
            except redis.RedisError as exc:
                self.scheduler.redis_failed(exc, "reading the seeds")

    # -- leaving -----------------------------------------------------------------------
    def spider_idle(self, spider) -> None:
        if self.scheduler.outage_since is not None or self.scheduler.unpushed:
            raise DontCloseSpider
        try:
            if not self.scheduler.unacked and self.scheduler.retry_lease is None:
                # Idle, so nothing this worker holds is in progress: a lease still under its
                # name was granted by a call whose reply never arrived. Put it back.
                returned = self.frontier.give_back_worker(self.worker)
                if returned:
                    logger.warning("Worker %s put back %d requests it had been granted but never received",
                                   self.worker, returned)
            size = self.frontier.size()
        except redis.RedisError as exc:
            self.scheduler.redis_failed(exc, "checking the frontier")
            raise DontCloseSpider from None
        if not size.empty:
            self.empty_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since < self.idle_exit:
            raise DontCloseSpider
        if self.frontier.end_run_if_drained():
            logger.info("The shared frontier is drained: run ended, its dupe filter cleared")
        logger.info("The shared frontier has been empty for %.0fs (DISTRIBUTED_IDLE_EXIT): worker %s exits",
                    now - self.empty_since, self.worker)

    def close(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            returned = self.frontier.give_back_worker(self.worker)
            if returned:
                logger.warning("Worker %s put %d unfinished requests back into the frontier", self.worker, returned)
            self.frontier.leave(self.worker, self.info("exited", reason))
            # The exit status judges the run, not this worker: what every worker of this run
            # archived or found unchanged (a worker may have had little to do).
            self.crawler.stats.set_value("distributed/run_archived", self.frontier.run_done(self.run_number))
        except redis.RedisError as exc:
            logger.error("Could not tell Redis that worker %s left (%s: %s); its requests go back to the "
                         "queue once DISTRIBUTED_WORKER_TIMEOUT passes", self.worker, type(exc).__name__, exc)

"""The Redis client of a distributed crawl, and the names of its keys."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from crawler.redaction import redact


def redis_client(url: str, *, timeout: float = 10.0) -> redis.Redis:
    """A client that retries a few times over a short outage (about 3 s) before
    raising; longer outages are the caller's to handle (see DISTRIBUTED_REDIS_OUTAGE)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=5),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


def redacted(url: str) -> str:
    """The URL without its password, for logs and output."""
    return redact(url)


def worker_name(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}"


@dataclass(frozen=True)
class Keys:
    """Key names: PREFIX:SPIDER:... for a spider's frontier, PREFIX:catalog:... for the
    shared catalog (one per archive, whatever the spider)."""

    prefix: str
    spider: str

    def _k(self, name: str) -> str:
        return f"{self.prefix}:{self.spider}:{name}"

    @property
    def queue(self) -> str:  # sorted set of encoded requests, scored by -priority (scrapy-redis)
        return self._k("requests")

    @property
    def dupefilter(self) -> str:  # set of request fingerprints seen this run (scrapy-redis)
        return self._k("dupefilter")

    @property
    def leases(self) -> str:  # hash lease id -> encoded request taken by a worker
        return self._k("leases")

    @property
    def lease_scores(self) -> str:  # hash lease id -> its queue score, to requeue it in place
        return self._k("lease-scores")

    @property
    def workers(self) -> str:  # hash worker -> JSON progress report
        return self._k("workers")

    def alive(self, worker: str) -> str:  # expires unless the worker keeps reporting
        return self._k(f"alive:{worker}")

    @property
    def runs(self) -> str:  # counter: one more each time a drained frontier starts a new run
        return self._k("runs")

    @property
    def seeds(self) -> str:  # list of JSON spider arguments seeded (the workers' common arguments)
        return self._k("seeds")

"""Switching a crawl to the shared frontier, and the spider arguments workers share.

Every worker runs with the arguments seeded in this run (by ``scrapy seed`` or by
workers started with arguments), its own included: the union of their URLs, and
for other arguments the latest seed's value. That gives each worker the same
sites, scope and private-host allowances, so any of them can handle any request
in the frontier; a worker started without arguments
(``scrapy crawl sitemap -s DISTRIBUTED=1``) just takes them over. Its start
requests are the seeds' again: the run's dupe filter drops them.
"""

from __future__ import annotations

import logging
import os

import redis

from crawler.discovery.inputs import parse_url_arguments

from .connection import Keys, redacted, redis_client
from .frontier import Frontier

logger = logging.getLogger(__name__)

WORKER_ARGUMENT = "_frontier_worker"  # spider kwarg: no arguments of its own is fine


def enable(settings) -> None:
    """Put the scheduler, the dupe filter and the catalog's lookups on Redis (the add-on; above the
    project settings, which name the single-process ones)."""
    settings.set("SCHEDULER", "crawler.distributed.scheduler.DistributedScheduler", priority="spider")
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="spider")
    settings.set("CATALOG_INDEX", "crawler.distributed.shared_catalog.SharedCatalog", priority="spider")
    # A row goes to Redis at once: the local file must not lose it (a killed worker's open batch),
    # and workers sharing one file must not hold its write lock for long. One commit per row.
    settings.set("CATALOG_COMMIT_EVERY", 1, priority="spider")


def frontier_for(settings, spider_name: str) -> Frontier:
    return Frontier(redis_client(settings.get("REDIS_URL")), Keys(settings.get("DISTRIBUTED_KEY_PREFIX"), spider_name))


def normalized(arguments: dict) -> dict:
    """Arguments as every machine can read them: URL files read, paths absolute."""
    found = {k: v for k, v in arguments.items() if k != WORKER_ARGUMENT and v not in (None, "")}
    if "urls" in found or "urls_file" in found:
        found["urls"] = ",".join(parse_url_arguments(found.get("urls"), found.pop("urls_file", None)))
    if "config" in found:
        found["config"] = os.path.abspath(found["config"])
    return found


def merged(seeds: list[dict]) -> dict:
    result: dict = {}
    urls: list[str] = []
    for arguments in seeds:
        for key, value in arguments.items():
            if key == "urls":
                urls.extend(u for u in value.split(",") if u)
            else:
                result[key] = value
    if urls:
        result["urls"] = ",".join(dict.fromkeys(urls))
    return result


def worker_arguments(settings, spider_name: str, given: dict) -> dict:
    """The arguments a worker's spider is built with: its own (shared with the other
    workers through Redis), or the seeded ones."""
    own = normalized(given)
    try:
        frontier = frontier_for(settings, spider_name)
        if own:
            frontier.add_seed_arguments(own)
        return {**merged(frontier.seed_arguments()), WORKER_ARGUMENT: True}
    except redis.RedisError as exc:
        logger.error("Redis at %s is unreachable, cannot read the seeded spider arguments: %s: %s",
                     redacted(settings.get("REDIS_URL")), type(exc).__name__, exc)
        return {**given, WORKER_ARGUMENT: True}

"""``scrapy frontier [SPIDER ...] -s REDIS_URL=...``: the shared frontier of a
distributed crawl: per spider, requests queued and in flight, the run number,
URLs seen in this run, and each worker's progress (alive, exited, or lost:
stopped reporting without leaving; its requests are queued again by the others).

``--json`` prints the same as JSON; ``--clear SPIDER`` empties a spider's
frontier (queue, leases, dupe filter, seeds, workers); ``--export-catalog PATH``
writes every worker's catalog rows into a SQLite catalog for the review tools.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import redis
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.distributed.connection import Keys, redacted, redis_client
from crawler.distributed.frontier import Frontier
from crawler.distributed.shared_catalog import export_catalog


def spiders_in(server: redis.Redis, prefix: str) -> list[str]:
    names = set()
    for suffix in ("requests", "workers", "seeds", "leases"):
        for key in server.scan_iter(match=f"{prefix}:*:{suffix}", count=1000):
            name = key.decode()[len(prefix) + 1:-len(suffix) - 1]
            if name != "catalog":
                names.add(name)
    return sorted(names)


def frontier_state(frontier: Frontier) -> dict:
    size = frontier.size()
    held = frontier.leases_by_worker()
    workers = {}
    for name, info in frontier.workers().items():
        state = info.get("state")
        if state != "exited" and not info["alive"]:
            state = "lost"
        workers[name] = {**info, "state": state, "in_flight": held.get(name, 0)}
    return {"queued": size.queued, "in_flight": size.leased, "seen_this_run": size.seen,
            "run": frontier.run_number(), "workers": workers}


def _ago(seconds: float) -> str:
    return f"{seconds:.0f}s ago" if seconds < 120 else f"{seconds / 60:.0f}min ago"


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[SPIDER ...]"

    def short_desc(self) -> str:
        return "Show the shared frontier of a distributed crawl: queue, in flight, workers"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--clear", metavar="SPIDER", help="empty this spider's shared frontier")
        parser.add_argument("--export-catalog", metavar="PATH",
                            help="write all workers' catalog rows into this SQLite catalog")

    def run(self, args, opts) -> None:
        url = self.settings.get("REDIS_URL")
        prefix = self.settings.get("DISTRIBUTED_KEY_PREFIX")
        server = redis_client(url)
        try:
            self._run(server, prefix, url, args, opts)
        except redis.RedisError as exc:
            print(f"error: Redis at {redacted(url)} is unreachable: {type(exc).__name__}: {exc}")
            self.exitcode = 1

    def _run(self, server, prefix, url, args, opts) -> None:
        if opts.clear:
            Frontier(server, Keys(prefix, opts.clear)).clear()
            print(f"cleared the shared frontier of {opts.clear}")
            return
        if opts.export_catalog:
            articles, captures = export_catalog(server, prefix, opts.export_catalog)
            print(f"{opts.export_catalog}: {articles} articles and {captures} captures added")
            return
        names = args or spiders_in(server, prefix)
        if not names and not opts.json:
            print(f"no shared frontier under {prefix}: in {redacted(url)}")
        state = {name: frontier_state(Frontier(server, Keys(prefix, name))) for name in names}
        if opts.json:
            print(json.dumps(state, indent=2, sort_keys=True))
            return
        now = time.time()
        for name, spider in state.items():
            print(f"{name}: {spider['queued']} queued, {spider['in_flight']} in flight, "
                  f"{spider['seen_this_run']} URLs seen in run {spider['run']}  ({redacted(url)})")
            for worker, info in sorted(spider["workers"].items()):
                started = dt.datetime.fromisoformat(info["started"]).strftime("%Y-%m-%d %H:%M") \
                    if info.get("started") else "?"
                reason = f" ({info['reason']})" if info.get("reason") else ""
                print(f"  {worker:<28} {info['state']}{reason:<12} since {started}, seen {_ago(now - info['seen'])}:"
                      f" {info['fetched']} fetched, {info['archived']} archived, {info['revisits']} revisits,"
                      f" {info['errors']} errors, {info['in_flight']} in flight")
        if not state and args:
            raise UsageError(f"no shared frontier for {', '.join(args)}")

"""``scrapy seed SPIDER [URL ...] [-a NAME=VALUE ...] -s REDIS_URL=...``: put a
spider's start requests into the shared frontier of a distributed crawl.

The URLs (or ``-a urls=``/``-a urls_file=``, or for ``sources`` the sites of
``-a config=``) are checked as ``scrapy crawl`` checks them, recorded as
arguments every worker takes over (crawler/distributed/seeds.py), and the start
requests they make are queued, except those already seen in this run. Workers
started with ``scrapy crawl SPIDER -s DISTRIBUTED=1`` then do the work.
"""

from __future__ import annotations

import asyncio

import redis
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.commands.crawl import apply_argument_settings
from crawler.distributed import seeds, serializer
from crawler.distributed.connection import redacted


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "<spider> [URL ...]"

    def short_desc(self) -> str:
        return "Queue a spider's start requests in the shared (Redis) frontier of a distributed crawl"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="spider argument (may be repeated), as for scrapy crawl")

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("Invalid -a value, use -a NAME=VALUE", print_help=False) from None

    def run(self, args, opts) -> None:
        if not args:
            raise UsageError("give the spider to seed, e.g. scrapy seed article URL ...")
        name, urls = args[0], args[1:]
        try:
            spidercls = self.crawler_process.spider_loader.load(name)
        except KeyError as exc:
            raise UsageError(f"Spider not found: {name}") from exc
        spargs = dict(opts.spargs)
        if urls:
            spargs["urls"] = ",".join([*urls, *filter(None, [spargs.get("urls")])])
        apply_argument_settings(self.settings, spidercls, spargs)
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            check(**spargs)  # UsageError, exit status 2
        arguments = seeds.normalized(spargs)
        spider = spidercls(**arguments)
        url = self.settings.get("REDIS_URL")
        try:
            queued, seen, size = self._seed(spider, arguments)
        except redis.RedisError as exc:
            print(f"error: Redis at {redacted(url)} is unreachable: {type(exc).__name__}: {exc}")
            self.exitcode = 1
            return
        print(f"seeded {name}: {queued} start requests queued, {seen} already seen in this run; "
              f"frontier {redacted(url)}: {size.queued} queued, {size.leased} in flight")

    def _seed(self, spider, arguments: dict):
        frontier = seeds.frontier_for(self.settings, spider.name)
        frontier.server.ping()
        frontier.add_seed_arguments(arguments)
        dupefilter = RFPDupeFilter(frontier.server, key=frontier.keys.dupefilter)

        async def start_requests():
            return [request async for request in spider.start()]

        queued = seen = 0
        for request in asyncio.run(start_requests()):
            fingerprint = None if request.dont_filter else dupefilter.request_fingerprint(request)
            if frontier.push_unless_seen(serializer.dumps(request.to_dict(spider=spider)), request.priority,
                                         fingerprint):
                queued += 1
            else:
                seen += 1
        return queued, seen, frontier.size()

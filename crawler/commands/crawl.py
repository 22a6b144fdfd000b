"""``scrapy crawl``, checking spider arguments before anything starts.

Scrapy reports a spider that fails in ``__init__`` with a traceback. Spiders
of this project expose ``check_arguments(**spider_args)``; a bad argument
becomes a one-line usage error and exit status 2.
"""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawlCommand


class Command(ScrapyCrawlCommand):
    def run(self, args, opts) -> None:
        if len(args) == 1 and self.crawler_process is not None:
            try:
                spider_class = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                spider_class = None
            check = getattr(spider_class, "check_arguments", None)
            if check is not None:
                check(**opts.spargs)  # raises UsageError
        super().run(args, opts)

"""``scrapy crawl`` with argument checking and a real exit status.

Scrapy reports a spider that fails in ``__init__`` with a traceback, and exits
0 even when every request failed. Spiders of this project expose
``check_arguments(**spider_args)``: a bad argument becomes a one-line usage
error (exit status 2). After the crawl, the exit status is the one the
RunSummary extension decided (see crawler/extensions/run_summary.py).
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.discovery.cookies import CookiesFileError, load_cookies
from crawler.distributed import seeds
from crawler.exit_status import ExitStatus
from pipelines.storage.catalog import Catalog, CatalogError
from pipelines.storage.layout import ArchiveLayout


def apply_argument_settings(settings, spider_class, spargs) -> None:
    """Settings a spider reads from its arguments (the sources file's [distributed] table),
    below the command line's ``-s``."""
    from_arguments = getattr(spider_class, "settings_from_arguments", None)
    if from_arguments is not None:
        for name, value in from_arguments(**spargs).items():
            settings.set(name, value, priority="project")


def check_settings(settings) -> None:
    """Settings that name files: a bad one is a one-line usage error before anything is fetched."""
    cookies_file = settings.get("ARCHIVE_COOKIES_FILE")
    if cookies_file:
        try:
            load_cookies(cookies_file)
        except CookiesFileError as exc:
            raise UsageError(f"ARCHIVE_COOKIES_FILE: {exc}", print_help=False) from None


class Command(ScrapyCrawlCommand):
    def _catalog_opens(self) -> bool:
        """A catalog that cannot be opened (corrupt, read-only, a folder) stops the run before
        anything is fetched, with the file named and exit status 6, not a traceback."""
        archive_dir = self.settings.get("ARCHIVE_DIR")
        if not archive_dir:
            return True
        try:
            Catalog(ArchiveLayout.from_settings(self.settings).catalog).close()
        except CatalogError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = ExitStatus.WRITE_FAILED
            return False
        return True

    def run(self, args, opts) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        try:
            spider_class = self.crawler_process.spider_loader.load(args[0])
        except KeyError as exc:
            raise UsageError(f"Spider not found: {args[0]}") from exc
        apply_argument_settings(self.settings, spider_class, opts.spargs)
        check = getattr(spider_class, "check_arguments", None)
        # A distributed worker without arguments takes the seeded ones (crawler/distributed/seeds.py).
        worker_only = self.settings.getbool("DISTRIBUTED") and not opts.spargs
        if check is not None and not worker_only:
            check(**opts.spargs)  # raises UsageError
        check_settings(self.settings)
        if not self._catalog_opens():
            return
        spider_args = opts.spargs
        if self.settings.getbool("DISTRIBUTED"):  # every worker runs with the run's seeded arguments
            spider_args = seeds.worker_arguments(self.settings, spider_class.name, spider_args)
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **spider_args)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = ExitStatus.START_FAILED
        else:
            # No status means the spider never closed properly (forced stop): not finished.
            self.exitcode = int(getattr(crawler, "archive_exit_status", ExitStatus.NOT_FINISHED))

"""The HTML report of a run, ``ARCHIVE_DIR/reports/<run_id>/report.html``
(see crawler/review/report.py), written when the crawl ends.

It is written on ``engine_stopped``, which Scrapy sends after every
``spider_closed`` handler has finished: RunSummary has written the run's
``stats.json`` (and decided its exit status), the WARC files are closed and
the catalog holds every row of the run. Should the summary file be missing
(RunSummary disabled, disk full), the report says so and shows the crawler's
own statistics instead. ``ARCHIVE_REPORT = False`` switches it off. A report
that cannot be written is logged; it never changes the run's exit status.
"""

from __future__ import annotations

import logging
import os

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.capture.archive import Archive
from crawler.exit_status import summarize
from crawler.review.report import write_report
from crawler.review.urls import replay_url

logger = logging.getLogger(__name__)


class RunReport:
    def __init__(self, crawler):
        self.crawler = crawler
        self.reason: str | None = None
        self.spider_name: str | None = None
        self.path: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_REPORT"):
            raise NotConfigured("ARCHIVE_REPORT is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_closed(self, spider, reason):
        self.reason, self.spider_name = reason, spider.name

    def engine_stopped(self):
        if self.reason is None:  # the spider never opened
            return
        settings = self.crawler.settings
        archive = self.crawler.get_extension(Archive)  # (extensions cannot look each other up when built)
        run_id = archive.run_id
        fallback = summarize(self.crawler.stats.get_stats(), self.reason)
        fallback.update(run=run_id, spider=self.spider_name,
                        exit_status=getattr(self.crawler, "archive_exit_status", None))
        try:
            path = write_report(
                settings.get("ARCHIVE_DIR"), run_id, catalog_path=archive.layout.catalog,
                replay=lambda url, warc_date: replay_url(settings, url, warc_date),
                replay_hint=f"scrapy replay, 127.0.0.1:{settings.getint('REPLAY_PORT')}",
                fallback_summary=fallback)
        except Exception as exc:  # noqa: BLE001 - a report must not fail the crawl
            logger.error("Could not write the run report of %s: %s: %s", run_id, type(exc).__name__, exc)
            return
        self.path = os.fspath(path)
        logger.info("Run report: %s", self.path)

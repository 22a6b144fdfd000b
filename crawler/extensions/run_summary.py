"""Per-run summary and exit status.

``scrapy crawl`` exits 0 even when every request failed; cron needs better.
When the spider closes this writes ``ARCHIVE_DIR/warc/<run>.stats.json`` (what
was fetched, archived, dropped by reason, errors, WARC files) and decides the
exit status that this project's ``scrapy crawl`` returns (crawler/exit_status.py
lists them all).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os

from scrapy import signals

from crawler.capture.archive import Archive
from crawler.exit_status import ExitStatus, exit_status, summarize

logger = logging.getLogger(__name__)

def plain_stats(stats: dict) -> dict:
    """Scrapy's stats as JSON values (datetimes as ISO 8601)."""
    return {key: value.isoformat() if isinstance(value, dt.datetime | dt.date) else value
            for key, value in sorted(stats.items())}


class RunSummary:
    def __init__(self, crawler, max_errors: int, max_error_rate: float):
        self.crawler = crawler
        self.max_errors = max_errors
        self.max_error_rate = max_error_rate
        self.started = dt.datetime.now(dt.UTC)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        ext = cls(crawler, settings.getint("ARCHIVE_MAX_ERRORS"), settings.getfloat("ARCHIVE_MAX_ERROR_RATE"))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        summary = summarize(stats, reason)
        code = exit_status(summary, self.max_errors, self.max_error_rate)
        self.crawler.archive_exit_status = code
        archive = self.crawler.get_extension(Archive)  # (extensions cannot look each other up when built)
        run_id = archive.run_id
        # After the Archive's own spider_closed handler (extensions connect in order): its files are closed.
        summary.update(run=run_id, spider=spider.name, exit_status=code,
                       started=self.started.isoformat(timespec="seconds"),
                       finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                       warc_files=archive.warc_files, stats=plain_stats(stats))
        path = archive.layout.stats_file(run_id)
        try:
            os.makedirs(path.parent, exist_ok=True)
            with open(path, "w", encoding="utf-8") as out:
                json.dump(summary, out, indent=2, sort_keys=True, default=str)
        except OSError as exc:  # a full disk must not hide the exit status
            logger.error("Could not write the run summary %s: %s", path, exc)
        for host, errors in summary["unreachable_hosts"].items():
            logger.error("Host %s could not be reached: %s", host, ", ".join(f"{e} ({n})" for e, n in errors.items()))
        for host, reasons in summary["blocked_hosts"].items():
            logger.warning("Host %s answered with walls instead of articles: %s (fetched again next run)", host,
                           ", ".join(f"{reason} ({n})" for reason, n in reasons.items()))
        for host, kinds in summary["undiscovered"].items():
            logger.warning("Host %s: no %s found from the home page", host, " or ".join(kinds))
        log = logger.info if code == ExitStatus.OK else logger.error
        log("Run %s: %s, %d archived, %d unchanged, %d errors -> exit status %d (summary: %s)",
            run_id, reason, summary["archived"], summary["unchanged"], summary["errors"], code, path)

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

from crawler.exit_status import ExitStatus
from crawler.resources import WRITE_FAILED_REASON, run_id, warc_directory, warc_writer

logger = logging.getLogger(__name__)

FRONTIER_UNAVAILABLE_REASON = "frontier_unavailable"
ERROR_PREFIXES = ("crawl/failed/", "robotstxt/exception_count/", "extract/dropped/extraction_error")


def _sum(stats: dict, prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


def summarize(stats: dict, reason: str) -> dict:
    return {
        "finish_reason": reason,
        "fetched": stats.get("downloader/response_count", 0),
        "expected_articles": stats.get("archive/expected", 0),
        "archived": stats.get("store/articles", 0),
        "new_revisions": stats.get("store/revisions", 0),
        "unchanged": stats.get("archive/unchanged", 0),
        "skipped_recent": stats.get("archive/skipped_recent", 0),
        "dropped": {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("extract/dropped/")},
        "errors": sum(_sum(stats, p) for p in ERROR_PREFIXES),
        "errors_by_type": {k: v for k, v in stats.items() if k.startswith(ERROR_PREFIXES)},
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "warc_records": stats.get("warc/records", 0),
        "warc_revisits": stats.get("warc/revisits", 0),
        "warc_bytes": stats.get("warc/bytes", 0),
        "write_error": stats.get("archive/write_error"),
        # distributed: articles archived or unchanged by every worker of the frontier's run
        "run_archived": stats.get("distributed/run_archived"),
        "url_too_long": stats.get("crawl/failed/url_too_long", 0) + stats.get("crawl/ignored/url_too_long", 0),
        "no_response": stats.get("capture/no_response", 0),
        "framing_errors": stats.get("capture/framing_errors", 0),
    }


def exit_status(summary: dict, max_errors: int, max_error_rate: float) -> ExitStatus:
    if summary["finish_reason"] == WRITE_FAILED_REASON or summary.get("write_error"):
        return ExitStatus.WRITE_FAILED
    if summary["finish_reason"] == FRONTIER_UNAVAILABLE_REASON:
        return ExitStatus.FRONTIER_UNAVAILABLE
    if summary["finish_reason"] != "finished":
        return ExitStatus.NOT_FINISHED
    if summary["expected_articles"] and not (summary["archived"] or summary["unchanged"]
                                             or summary.get("run_archived")):
        return ExitStatus.NOTHING_ARCHIVED
    errors = summary["errors"]
    if max_errors and errors > max_errors:
        return ExitStatus.TOO_MANY_ERRORS
    if errors and max_error_rate and errors / max(1, summary["expected_articles"]) > max_error_rate:
        return ExitStatus.TOO_MANY_ERRORS
    return ExitStatus.OK


class RunSummary:
    def __init__(self, crawler, max_errors: int, max_error_rate: float):
        self.crawler = crawler
        self.max_errors = max_errors
        self.max_error_rate = max_error_rate
        self.started = dt.datetime.now(dt.UTC)
        self.writer = warc_writer(crawler) if crawler.settings.getbool("WARC_ENABLED") else None
        self.directory = warc_directory(crawler.settings)
        self.run_id = run_id(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        ext = cls(crawler, settings.getint("ARCHIVE_MAX_ERRORS"), settings.getfloat("ARCHIVE_MAX_ERROR_RATE"))
        # Before the WARC writer's own handler closes the file, so the list is complete.
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        summary = summarize(self.crawler.stats.get_stats(), reason)
        code = exit_status(summary, self.max_errors, self.max_error_rate)
        self.crawler.archive_exit_status = code
        files = []
        if self.writer is not None:
            files = [os.path.basename(p) for p in self.writer.files_closed]
            if self.writer.current_filename:
                files.append(self.writer.current_filename)
        summary.update(run=self.run_id, spider=spider.name, exit_status=code,
                       started=self.started.isoformat(timespec="seconds"),
                       finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), warc_files=files)
        path = os.path.join(self.directory, f"{self.run_id}.stats.json")
        try:
            os.makedirs(self.directory, exist_ok=True)
            with open(path, "w", encoding="utf-8") as out:
                json.dump(summary, out, indent=2, sort_keys=True)
        except OSError as exc:  # a full disk must not hide the exit status
            logger.error("Could not write the run summary %s: %s", path, exc)
        log = logger.info if code == ExitStatus.OK else logger.error
        log("Run %s: %s, %d archived, %d unchanged, %d errors -> exit status %d (summary: %s)",
            self.run_id, reason, summary["archived"], summary["unchanged"], summary["errors"], code, path)

"""The exit statuses of ``scrapy crawl`` (and so of ``bin/cron-crawl``): the one list,
and how a run's stats decide its status.

``scrapy crawl`` alone exits 0 even when every request failed; this project's crawl
command returns the status decided here from the run's stats (``summarize`` then
``exit_status``; the RunSummary extension calls them when the spider closes). No
Scrapy imports: the run report, the review command and the cron wrapper read the
meanings from here.

    python -m crawler.exit_status 6          # prints the meaning of status 6
    python -m crawler.exit_status --value ALREADY_RUNNING   # prints 75
"""

from __future__ import annotations

import sys
from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    START_FAILED = 1
    USAGE = 2
    NOT_FINISHED = 3
    NOTHING_ARCHIVED = 4
    TOO_MANY_ERRORS = 5
    WRITE_FAILED = 6
    FRONTIER_UNAVAILABLE = 7
    HOST_UNREACHABLE = 8
    NOTHING_DISCOVERED = 9
    ALREADY_RUNNING = 75  # bin/cron-crawl only: the previous run still holds its lock

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


MEANINGS = {
    ExitStatus.OK: "finished, no threshold crossed",
    ExitStatus.START_FAILED: "Scrapy could not start",
    ExitStatus.USAGE: "bad arguments",
    ExitStatus.NOT_FINISHED: "did not finish (shutdown signal, closespider, ...); the next wrapper run continues it",
    ExitStatus.NOTHING_ARCHIVED: "article URLs were due but nothing was archived or found unchanged",
    ExitStatus.TOO_MANY_ERRORS: "too many errors (ARCHIVE_MAX_ERRORS / ARCHIVE_MAX_ERROR_RATE)",
    ExitStatus.WRITE_FAILED: "the archive could not be written (disk full, I/O error, catalog unreadable)",
    ExitStatus.FRONTIER_UNAVAILABLE: "distributed worker: Redis stayed unreachable for DISTRIBUTED_REDIS_OUTAGE",
    ExitStatus.HOST_UNREACHABLE: "a host could not be reached: it does not resolve or refuses connections "
                                 "(unreachable_hosts in the summary)",
    ExitStatus.NOTHING_DISCOVERED: "a site's home page led to no sitemap or feed (undiscovered in the summary)",
    ExitStatus.ALREADY_RUNNING: "the previous run is still going",
}


# Finish reasons (close_spider) that decide a status of their own.
WRITE_FAILED_REASON = "archive_write_failed"
FRONTIER_UNAVAILABLE_REASON = "frontier_unavailable"
ERROR_PREFIXES = ("crawl/failed/", "robotstxt/exception_count/", "extract/dropped/extraction_error")


def _sum(stats: dict, prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


def _by_host(stats: dict, prefix: str) -> dict[str, dict[str, int]]:
    """``PREFIX<kind>/<host>`` counters as {host: {kind: n}}."""
    found: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith(prefix) and isinstance(value, int):
            kind, _, host = key[len(prefix):].partition("/")
            found.setdefault(host, {})[kind] = value
    return dict(sorted(found.items()))


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
        # hosts that could not be reached ({host: {error: requests}}), that answered with bot
        # challenges, consent or paywall pages ({host: {reason: pages}}), and home pages that led
        # to no sitemap or feed ({host: {"sitemap"|"feed": 1}})
        "unreachable_hosts": _by_host(stats, "crawl/unreachable/"),
        "blocked_hosts": _by_host(stats, "extract/walls/"),
        "undiscovered": _by_host(stats, "discovery/not_found/"),
        # page requisites (stylesheets, images, fonts, scripts): captures, not articles nor errors
        "requisites": {"fetched": stats.get("requisites/fetched", 0), "failed": stats.get("requisites/failed", 0),
                       "bytes": stats.get("requisites/bytes", 0)},
    }


def exit_status(summary: dict, max_errors: int, max_error_rate: float) -> ExitStatus:
    if summary["finish_reason"] == WRITE_FAILED_REASON or summary.get("write_error"):
        return ExitStatus.WRITE_FAILED
    if summary["finish_reason"] == FRONTIER_UNAVAILABLE_REASON:
        return ExitStatus.FRONTIER_UNAVAILABLE
    if summary["finish_reason"] != "finished":
        return ExitStatus.NOT_FINISHED
    if summary.get("unreachable_hosts"):
        return ExitStatus.HOST_UNREACHABLE
    if summary.get("undiscovered"):
        return ExitStatus.NOTHING_DISCOVERED
    if summary["expected_articles"] and not (summary["archived"] or summary["unchanged"]
                                             or summary.get("run_archived")):
        return ExitStatus.NOTHING_ARCHIVED
    errors = summary["errors"]
    if max_errors and errors > max_errors:
        return ExitStatus.TOO_MANY_ERRORS
    if errors and max_error_rate and errors / max(1, summary["expected_articles"]) > max_error_rate:
        return ExitStatus.TOO_MANY_ERRORS
    return ExitStatus.OK


def meaning(code: object) -> str:
    try:
        return ExitStatus(int(code)).meaning
    except (TypeError, ValueError):
        return "unknown"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--value":
        print(ExitStatus[argv[1]].value)
        return 0
    if len(argv) == 1:
        print(meaning(argv[0]))
        return 0
    print(__doc__.strip().splitlines()[-2].strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

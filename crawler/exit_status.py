"""The exit statuses of ``scrapy crawl`` (and so of ``bin/cron-crawl``): the one list.

``scrapy crawl`` alone exits 0 even when every request failed; this project's crawl
command returns the status the run summary decided. No Scrapy imports: the run
report, the review command and the cron wrapper read the meanings from here.

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
    ExitStatus.ALREADY_RUNNING: "the previous run is still going",
}


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

"""Persist what RepeatedLineLearner learned about each site's furniture, so that
tomorrow's run already knows a site's recurring lines ("Route 6", a promo footer).

Stored in the catalog SQLite file, in its own table (the catalog schema is not touched):

    site_lines(host, line, pages, updated)

one row per host and normalised line, with the number of pages it was seen on; the
row with line = '' holds how many pages of the host were observed. Loading adds the
stored counts to a learner; saving writes the learner's totals back, keeping the larger
count when another run saved meanwhile. Lines seen on a single page and not seen again
for PRUNE_DAYS are deleted, so that article prose does not pile up.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3

from .junk import RepeatedLineLearner

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS site_lines (
    host TEXT NOT NULL,
    line TEXT NOT NULL,
    pages INTEGER NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (host, line)
)
"""
PAGES_ROW = ""  # the line value of the per-host page count row
PRUNE_DAYS = 30


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    db = sqlite3.connect(os.fspath(path), timeout=30)
    with db:
        db.execute(SCHEMA)
    return db


def load(path: str | os.PathLike, learner: RepeatedLineLearner) -> int:
    """Seed learner with every host stored at path; returns the number of hosts."""
    if not os.path.exists(path):
        return 0
    db = _connect(path)
    try:
        by_host: dict[str, tuple[int, dict[str, int]]] = {}
        for host, line, pages in db.execute("SELECT host, line, pages FROM site_lines"):
            _, counts = by_host.setdefault(host, (0, {}))
            if line == PAGES_ROW:
                by_host[host] = (pages, counts)
            else:
                counts[line] = pages
    finally:
        db.close()
    for host, (pages, counts) in by_host.items():
        learner.seed(host, pages, counts)
    logger.debug("site_lines: loaded %d hosts from %s", len(by_host), path)
    return len(by_host)


def save(path: str | os.PathLike, learner: RepeatedLineLearner, *, now: dt.datetime | None = None,
         prune_days: int = PRUNE_DAYS) -> int:
    """Write the counts of the hosts observed since the last save; returns how many hosts."""
    changed = learner.export(changed_only=True)
    if not changed:
        return 0
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    cutoff = ((now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=prune_days)).isoformat(timespec="seconds")
    rows = [
        (host, line, pages, stamp)
        for host, (total, counts) in changed.items()
        for line, pages in [(PAGES_ROW, total), *counts.items()]
    ]
    db = _connect(path)
    try:
        with db:
            db.executemany(
                "INSERT INTO site_lines (host, line, pages, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (host, line) DO UPDATE SET pages = max(pages, excluded.pages), "
                # only a line seen again is fresh: one loaded and saved unchanged keeps its age
                "updated = CASE WHEN excluded.pages > pages THEN excluded.updated ELSE updated END",
                rows,
            )
            db.executemany(
                "DELETE FROM site_lines WHERE host = ? AND line != ? AND pages <= 1 AND updated < ?",
                [(host, PAGES_ROW, cutoff) for host in changed],
            )
    finally:
        db.close()
    logger.debug("site_lines: saved %d hosts to %s", len(changed), path)
    return len(changed)

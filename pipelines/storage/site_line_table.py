"""The ``site_lines`` table of the catalog: how many pages of a host each short line was
seen on, so that tomorrow's run already knows a site's furniture ("Route 6", a promo
footer). The row with line = '' holds how many pages of the host were observed (no Scrapy).

Saving keeps the larger count when another run saved meanwhile; lines seen on a single
page and not again for ``prune_days`` are deleted, so that article prose does not pile up.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping

PAGES_ROW = ""  # the line value of the per-host page count row
PRUNE_DAYS = 30

# host -> (pages observed, {normalised line: pages it was seen on})
HostCounts = Mapping[str, tuple[int, Mapping[str, int]]]


class SiteLineTable:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def load(self) -> dict[str, tuple[int, dict[str, int]]]:
        by_host: dict[str, tuple[int, dict[str, int]]] = {}
        for host, line, pages in self.db.execute("SELECT host, line, pages FROM site_lines"):
            total, counts = by_host.setdefault(host, (0, {}))
            if line == PAGES_ROW:
                by_host[host] = (pages, counts)
            else:
                counts[line] = pages
        return by_host

    def save(self, changed: HostCounts, *, now: dt.datetime | None = None, prune_days: int = PRUNE_DAYS) -> int:
        """Write these hosts' counts; returns how many hosts."""
        if not changed:
            return 0
        now = now or dt.datetime.now(dt.UTC)
        stamp = now.isoformat(timespec="seconds")
        cutoff = (now - dt.timedelta(days=prune_days)).isoformat(timespec="seconds")
        rows = [(host, line, pages, stamp) for host, (total, counts) in changed.items()
                for line, pages in [(PAGES_ROW, total), *counts.items()]]
        with self.db:
            self.db.executemany(
                "INSERT INTO site_lines (host, line, pages, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (host, line) DO UPDATE SET pages = max(pages, excluded.pages), "
                # only a line seen again is fresh: one loaded and saved unchanged keeps its age
                "updated = CASE WHEN excluded.pages > pages THEN excluded.updated ELSE updated END",
                rows,
            )
            self.db.executemany(
                "DELETE FROM site_lines WHERE host = ? AND line != ? AND pages <= 1 AND updated < ?",
                [(host, PAGES_ROW, cutoff) for host in changed],
            )
        return len(changed)

"""The story tables of the catalog: fingerprints and their LSH buckets (no Scrapy).

Only storage: which articles share a bucket, what was stored for them, and writing an
article's story. How stories are decided is ``pipelines.extraction.stories.StoryLinker``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

CHUNK = 500  # ids per IN (...) query


class StoryIndex:
    def __init__(self, db: sqlite3.Connection, wrote: Callable[[int], None] = lambda rows: None):
        self.db = db
        self.wrote = wrote  # the catalog commits in batches (Catalog.wrote)

    def earlier_revision(self, article_id: int, urls: list[str]) -> tuple[int, int] | None:
        """(id, story_id) of the newest earlier row of the same URL or canonical URL that has a story."""
        marks = ", ".join("?" * len(urls))
        row = self.db.execute(
            f"SELECT id, story_id FROM articles WHERE id < ? AND story_id IS NOT NULL"
            f" AND (url IN ({marks}) OR canonical_url IN ({marks})) ORDER BY id DESC LIMIT 1",
            (article_id, *urls, *urls),
        ).fetchone()
        return (row[0], row[1]) if row is not None else None

    def story_of(self, article_id: int) -> int | None:
        row = self.db.execute("SELECT story_id FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row is not None else None

    def sharing_buckets(self, buckets: list[int], before: int) -> list[int]:
        """Articles older than ``before`` with at least one of these buckets (an index search, no scan)."""
        rows = self.db.execute(
            f"SELECT DISTINCT article_id FROM story_buckets WHERE bucket IN ({', '.join('?' * len(buckets))})"
            " AND article_id < ?", (*buckets, before)).fetchall()
        return [row[0] for row in rows]

    def signatures(self, ids: list[int], version: int) -> dict[int, tuple[int, bytes]]:
        """article id -> (shingles, signature) stored with this fingerprint version."""
        out: dict[int, tuple[int, bytes]] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            rows = self.db.execute(
                f"SELECT article_id, shingles, signature FROM story_fingerprints"
                f" WHERE version = ? AND article_id IN ({', '.join('?' * len(chunk))})", (version, *chunk)).fetchall()
            out.update((row[0], (row[1], row[2])) for row in rows)
        return out

    def save(self, article_id: int, story_id: int, similarity: float | None, *,
             fingerprint: tuple[int, int, bytes] | None, buckets: Iterable[int] = ()) -> None:
        """The row's story, and its fingerprint (version, shingles, signature) for later articles."""
        self.db.execute("UPDATE articles SET story_id = ?, story_similarity = ? WHERE id = ?",
                        (story_id, similarity, article_id))
        if fingerprint is not None:
            self.db.execute("INSERT OR REPLACE INTO story_fingerprints (article_id, version, shingles, signature)"
                            " VALUES (?, ?, ?, ?)", (article_id, *fingerprint))
            self.db.executemany("INSERT OR IGNORE INTO story_buckets (bucket, article_id) VALUES (?, ?)",
                                [(bucket, article_id) for bucket in buckets])
        self.wrote(1)

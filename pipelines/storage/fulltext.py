"""The full-text index of the catalog, ``articles_fts`` (FTS5; its rowid is
``articles.id``) beside ``articles_fts_rows``, which remembers which revision text
each indexed row holds (no Scrapy).

``sync`` brings the index up to date incrementally: rows added since the last call
are indexed from their text files, rows whose text changed are re-indexed, deleted
rows leave the index. The crawl never writes the index; the review tools sync it
before they search (crawler/review/search.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def read_text(archive_dir: str | os.PathLike, text_path: str | None) -> str | None:
    """An article's clean text, or None when its file is missing."""
    if not text_path:
        return None
    try:
        return (Path(archive_dir) / text_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


class FullTextIndex:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def sync(self, archive_dir: str | os.PathLike) -> int:
        """Index the rows not indexed yet (or whose text changed); returns how many."""
        db = self.db
        stale = db.execute(
            "SELECT a.id, a.title, a.text_path, a.text_sha1 FROM articles a "
            "LEFT JOIN articles_fts_rows r ON r.id = a.id "
            "WHERE r.id IS NULL OR r.text_sha1 IS NOT a.text_sha1 ORDER BY a.id").fetchall()
        with db:
            db.execute("DELETE FROM articles_fts WHERE rowid IN "
                       "(SELECT r.id FROM articles_fts_rows r LEFT JOIN articles a ON a.id = r.id WHERE a.id IS NULL)")
            db.execute("DELETE FROM articles_fts_rows WHERE id NOT IN (SELECT id FROM articles)")
            for row_id, title, text_path, text_sha1 in stale:
                text = read_text(archive_dir, text_path)
                db.execute("DELETE FROM articles_fts WHERE rowid = ?", (row_id,))
                db.execute("INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                           (row_id, title or "", text or ""))
                # A missing text file is indexed as empty and tried again next time.
                db.execute("INSERT OR REPLACE INTO articles_fts_rows (id, text_sha1) VALUES (?, ?)",
                           (row_id, text_sha1 if text is not None else ""))
        return len(stale)

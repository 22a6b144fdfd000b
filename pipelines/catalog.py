"""The SQLite catalog: one row per archived article (no Scrapy imports).

WAL mode and a busy timeout so that a reader (``sqlite3``, review tools) or a
second crawl process can use the file while a crawl writes to it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping

SCHEMA_VERSION = 1

COLUMNS = (
    "url", "canonical_url", "title", "author", "published", "language", "site_name",
    "description", "fetched_at", "text_path", "text_sha1", "warc_file", "warc_offset",
    "response_record_id", "payload_digest", "conversion_record_id",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    canonical_url TEXT,
    title TEXT,
    author TEXT,
    published TEXT,
    language TEXT,
    site_name TEXT,
    description TEXT,
    fetched_at TEXT NOT NULL,
    text_path TEXT NOT NULL,
    text_sha1 TEXT NOT NULL,
    warc_file TEXT,
    warc_offset INTEGER,
    response_record_id TEXT,
    payload_digest TEXT,
    conversion_record_id TEXT
);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_canonical_url ON articles (canonical_url);
"""


class Catalog:
    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        with self.db:
            self.db.executescript(SCHEMA)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def add_article(self, row: Mapping[str, object]) -> int:
        values = [row.get(name) for name in COLUMNS]
        with self.db:  # one transaction per article: committed or absent
            cursor = self.db.execute(
                f"INSERT INTO articles ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                values,
            )
        return cursor.lastrowid

    def articles(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM articles ORDER BY id").fetchall()

    def close(self) -> None:
        self.db.close()

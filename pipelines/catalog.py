"""The SQLite catalog (no Scrapy imports).

- ``articles``: one row per archived article *revision*, linked to its WARC records.
- ``captures``: one row per HTTP exchange written to a WARC (response or revisit),
  the index behind recrawl decisions, conditional requests and payload dedup.

WAL mode and a busy timeout so that a reader (``sqlite3``, review tools) or a
second crawl process can use the file while a crawl writes to it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Mapping

SCHEMA_VERSION = 3
OPEN_ATTEMPTS = 200  # x 0.05 s: SQLite does not wait for a lock to switch a new file to WAL

COLUMNS = (
    "url", "canonical_url", "title", "author", "published", "language", "site_name",
    "description", "fetched_at", "text_path", "text_sha1", "warc_file", "warc_offset",
    "response_record_id", "payload_digest", "conversion_record_id", "revision",
    "discovered_via", "source_title", "source_published", "source_language", "run_id",
)

CAPTURE_COLUMNS = (
    "url", "fetched_at", "status", "record_type", "record_id", "warc_file", "warc_offset",
    "payload_digest", "etag", "last_modified", "refers_to", "payload_length", "content_type", "run_id",
    "truncated", "conditional",
)

# A capture that counts as archived for recrawl decisions: complete, and a 2xx or a 304
# that answered our conditional request. Failed, truncated and refused exchanges are
# archived too, but fetched again next run.
COMPLETE = "(truncated IS NULL AND (status BETWEEN 200 AND 299 OR (status = 304 AND conditional = 1)))"


def is_complete(row: Mapping[str, object]) -> bool:
    status = row.get("status") or 0
    return not row.get("truncated") and (200 <= status < 300 or (status == 304 and bool(row.get("conditional"))))


class CatalogError(Exception):
    """The catalog file cannot be opened or written; the message names the file."""

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
    conversion_record_id TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    discovered_via TEXT,                -- article, sitemap, feed, site
    source_title TEXT,                  -- as the sitemap / feed gave them
    source_published TEXT,
    source_language TEXT,
    run_id TEXT,                        -- the crawl run that archived this revision
    story_id INTEGER,                   -- articles telling the same story share it
    story_similarity REAL               -- similarity to the story's closest earlier article
);
CREATE INDEX IF NOT EXISTS articles_run ON articles (run_id);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_canonical_url ON articles (canonical_url);
CREATE TABLE IF NOT EXISTS captures (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    record_type TEXT NOT NULL,          -- response | revisit
    record_id TEXT NOT NULL,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    payload_digest TEXT,
    etag TEXT,
    last_modified TEXT,
    refers_to TEXT,                     -- the original's record ID, for a revisit
    payload_length INTEGER,             -- bytes of the body as the server sent it
    content_type TEXT,
    run_id TEXT,
    truncated TEXT,                     -- WARC-Truncated reason of a partial exchange
    conditional INTEGER                 -- 1: the request carried If-None-Match / If-Modified-Since
);
CREATE INDEX IF NOT EXISTS captures_run ON captures (run_id);
CREATE INDEX IF NOT EXISTS captures_record ON captures (record_id);  -- articles and revisits join on it
CREATE INDEX IF NOT EXISTS captures_url ON captures (url);
CREATE INDEX IF NOT EXISTS captures_digest ON captures (payload_digest);
"""


# Columns added since the first catalogs; added to older files when they are opened.
ADDED_COLUMNS = {
    "articles": ("revision INTEGER NOT NULL DEFAULT 1", "discovered_via TEXT", "source_title TEXT",
                 "source_published TEXT", "source_language TEXT", "run_id TEXT", "story_id INTEGER",
                 "story_similarity REAL"),
    "captures": ("payload_length INTEGER", "content_type TEXT", "run_id TEXT", "truncated TEXT",
                 "conditional INTEGER"),
}


class Catalog:
    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.row_factory = sqlite3.Row
            self._set_wal()
            # In WAL mode NORMAL is safe against corruption and skips an fsync per commit.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise CatalogError(f"cannot open the catalog {self.path}: {type(exc).__name__}: {exc}") from exc

    def _set_wal(self) -> None:
        # Switching a new file to WAL takes an exclusive lock without calling the busy handler:
        # two crawls opening one new catalog at once would fail. Bounded retries instead.
        for attempt in range(OPEN_ATTEMPTS):
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        with self.db:
            for table, columns in ADDED_COLUMNS.items():  # catalogs written by earlier versions
                existing = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
                for column in columns:
                    if existing and column.split()[0] not in existing:
                        self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            self.db.executescript(SCHEMA)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _insert(self, table: str, columns: tuple[str, ...], row: Mapping[str, object]) -> int:
        with self.db:  # one transaction per row: committed or absent
            cursor = self.db.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [row.get(name) for name in columns],
            )
        return cursor.lastrowid

    # -- articles -------------------------------------------------------------
    def add_article(self, row: Mapping[str, object]) -> int:
        return self._insert("articles", COLUMNS, {"revision": 1, **row})

    def latest_revision(self, url: str, canonical_url: str | None = None) -> sqlite3.Row | None:
        """The newest revision archived for this URL or its canonical URL."""
        return self.db.execute(
            "SELECT * FROM articles WHERE url = ? OR (canonical_url IS NOT NULL AND canonical_url IN (?, ?))"
            " ORDER BY revision DESC, id DESC LIMIT 1",
            (url, url, canonical_url or url),
        ).fetchone()

    def articles(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM articles ORDER BY id").fetchall()

    # -- captures -------------------------------------------------------------
    def add_capture(self, row: Mapping[str, object]) -> int:
        return self._insert("captures", CAPTURE_COLUMNS, row)

    def last_capture(self, url: str) -> sqlite3.Row | None:
        """The newest complete capture of a URL (as fetched, or as the canonical URL of an article)."""
        return self.db.execute(
            f"SELECT * FROM captures WHERE (url = ? OR url IN (SELECT url FROM articles WHERE canonical_url = ?))"
            f" AND {COMPLETE} ORDER BY fetched_at DESC, id DESC LIMIT 1",
            (url, url),
        ).fetchone()

    def last_ok_capture(self, url: str) -> sqlite3.Row | None:
        """The newest complete 200 of a URL: where conditional request headers come from."""
        return self.db.execute(
            "SELECT * FROM captures WHERE url = ? AND status = 200 AND truncated IS NULL"
            " ORDER BY fetched_at DESC, id DESC LIMIT 1",
            (url,),
        ).fetchone()

    def original_capture(self, payload_digest: str, url: str) -> sqlite3.Row | None:
        """A full, complete response record holding this payload, preferring the same URL."""
        return self.db.execute(
            "SELECT * FROM captures WHERE payload_digest = ? AND record_type = 'response' AND status = 200"
            " AND truncated IS NULL ORDER BY url = ? DESC, id LIMIT 1",
            (payload_digest, url),
        ).fetchone()

    def captures(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM captures ORDER BY id").fetchall()

    def close(self) -> None:
        self.db.close()

"""The SQLite catalog: the one way into the catalog file (no Scrapy imports).

- ``articles``: one row per archived article *revision*, linked to its WARC records.
- ``captures``: one row per HTTP exchange written to a WARC (response or revisit),
  the index behind recrawl decisions, conditional requests and payload dedup.
- ``blocked_captures``: captures that were bot challenges, consent or paywall pages; they are
  archived but never count as archived for recrawl (``mark_blocked``).
- ``stories``, ``site_lines``, ``fulltext``: the gateways to the other tables.

Every table is declared in ``schema``. WAL mode and a busy timeout so that a reader
(``sqlite3``, review tools) or a second crawl process can use the file while a crawl
writes to it. ``CatalogIndex`` is what the crawl asks of a catalog; the distributed
mode's shared catalog (crawler/distributed/shared_catalog.py) answers the same.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from . import schema
from .fulltext import FullTextIndex
from .site_line_table import SiteLineTable
from .story_index import StoryIndex

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

BLOCKED_COLUMNS = ("record_id", "url", "reason", "detail", "run_id", "detected_at")

# A capture that counts as archived for recrawl decisions: complete, and a 2xx or a 304
# that answered our conditional request. Failed, truncated and refused exchanges are
# archived too, but fetched again next run.
COMPLETE = "(truncated IS NULL AND (status BETWEEN 200 AND 299 OR (status = 304 AND conditional = 1)))"
# ... and not a wall (a bot challenge, consent or paywall page in the article's place).
NOT_BLOCKED = "record_id NOT IN (SELECT record_id FROM blocked_captures)"


def is_complete(row: Mapping[str, object]) -> bool:
    status = row.get("status") or 0
    return not row.get("truncated") and (200 <= status < 300 or (status == 304 and bool(row.get("conditional"))))


class CatalogError(Exception):
    """The catalog file cannot be opened or written; the message names the file."""


Row = Mapping[str, object]


@dataclass(frozen=True)
class UrlState:
    """What the catalog knows of one URL: looked up once, when its request is about to
    go out, and carried with the request and its item (plain values: it travels in
    ``request.meta``, through Redis too)."""

    last_fetched: str | None = None  # WARC-Date of its newest complete capture
    etag: str | None = None  # of its newest complete 200: the conditional request's validators
    last_modified: str | None = None
    revision: int = 0  # of its newest article revision (0: none yet)
    text_sha1: str | None = None
    payload_digest: str | None = None

    @classmethod
    def of(cls, index: CatalogIndex, url: str) -> UrlState:
        last, good, latest = index.last_capture(url), index.last_ok_capture(url), index.latest_revision(url)
        return cls(
            last_fetched=last["fetched_at"] if last else None,
            etag=good["etag"] if good else None, last_modified=good["last_modified"] if good else None,
            revision=latest["revision"] if latest else 0, text_sha1=latest["text_sha1"] if latest else None,
            payload_digest=latest["payload_digest"] if latest else None,
        )

    def as_meta(self) -> dict:
        # by hand: dataclasses.asdict deep-copies and costs more than the lookups it carries
        return {"last_fetched": self.last_fetched, "etag": self.etag, "last_modified": self.last_modified,
                "revision": self.revision, "text_sha1": self.text_sha1, "payload_digest": self.payload_digest}

    @classmethod
    def from_meta(cls, value: Mapping | None) -> UrlState:
        return cls(**value) if value else cls()


class CatalogIndex(Protocol):
    """The lookups and writes of a crawl: the local Catalog, or the shared one."""

    def add_article(self, row: Row) -> int: ...
    def add_capture(self, row: Row) -> int: ...
    def latest_revision(self, url: str, canonical_url: str | None = None) -> Row | None: ...
    def last_capture(self, url: str) -> Row | None: ...
    def last_ok_capture(self, url: str) -> Row | None: ...
    def original_capture(self, payload_digest: str, url: str) -> Row | None: ...
    def mark_blocked(self, row: Row) -> None: ...
    def close(self) -> None: ...


class Catalog(CatalogIndex):
    """``commit_every`` rows (or after ``commit_interval`` seconds, whichever comes first) go
    in one transaction: a crawl writes several rows a page, and a commit per row was most of
    the catalog's cost. Rows are written only after their records are flushed; a crash loses
    at most the rows of the open transaction, whose pages the next run then fetches again.
    Readers on the same connection see every row at once; others when it is committed."""

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False, commit_every: int = 1,
                 commit_interval: float = 0.0):
        self.path = os.fspath(path)
        self.readonly = readonly
        self.commit_every = max(1, commit_every)
        self.commit_interval = commit_interval
        self._pending = 0
        self._pending_since = 0.0
        try:
            if readonly:  # review tools: never create, never migrate, never lock for writing
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
                self.db.row_factory = sqlite3.Row
            else:
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
                self.db = sqlite3.connect(self.path, timeout=30)
                self.db.row_factory = sqlite3.Row
                self._set_wal()
                # In WAL mode NORMAL is safe against corruption and skips an fsync per commit.
                self.db.execute("PRAGMA synchronous=NORMAL")
                schema.migrate(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise CatalogError(f"cannot open the catalog {self.path}: {type(exc).__name__}: {exc}") from exc
        self.stories = StoryIndex(self.db, self.wrote)
        self.site_lines = SiteLineTable(self.db)
        self.fulltext = FullTextIndex(self.db)

    def wrote(self, rows: int = 1) -> None:
        """Rows were written in the open transaction: commit it when enough are, or old enough."""
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending += rows
        if self._pending >= self.commit_every or time.monotonic() - self._pending_since >= self.commit_interval:
            self.commit()

    def commit(self) -> None:
        if self._pending or self.db.in_transaction:
            self.db.commit()
        self._pending = 0

    def commit_if_due(self) -> None:
        """For a timer: commit rows that have waited ``commit_interval``."""
        if self._pending and time.monotonic() - self._pending_since >= self.commit_interval:
            self.commit()

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

    def _insert(self, table: str, columns: tuple[str, ...], row: Mapping[str, object]) -> int:
        cursor = self.db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [row.get(name) for name in columns],
        )
        self.wrote()
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
            f" AND {COMPLETE} AND {NOT_BLOCKED} ORDER BY fetched_at DESC, id DESC LIMIT 1",
            (url, url),
        ).fetchone()

    def last_ok_capture(self, url: str) -> sqlite3.Row | None:
        """The newest complete 200 of a URL: where conditional request headers come from."""
        return self.db.execute(
            f"SELECT * FROM captures WHERE url = ? AND status = 200 AND truncated IS NULL AND {NOT_BLOCKED}"
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

    # -- walls ----------------------------------------------------------------
    def mark_blocked(self, row: Mapping[str, object]) -> None:
        """A capture (``record_id``, ``url``, ``reason``, ``detail``, ``run_id``, ``detected_at``) was a
        wall: archived, but the URL is not archived by it (last_capture and last_ok_capture skip it)."""
        self.db.execute(
            f"INSERT OR REPLACE INTO blocked_captures ({', '.join(BLOCKED_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(BLOCKED_COLUMNS))})", [row.get(name) for name in BLOCKED_COLUMNS])
        self.wrote()

    def blocked_captures(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM blocked_captures ORDER BY detected_at, record_id").fetchall()

    def close(self) -> None:
        if not self.readonly:
            self.commit()
        self.db.close()

"""Listing and full-text search of the archived articles (no Scrapy imports).

The clean texts are indexed in an FTS5 table of the catalog, ``articles_fts``
(its rowid is ``articles.id``), next to ``articles_fts_rows`` which remembers
which revision text each indexed row holds. :func:`sync_index` brings the index
up to date incrementally: rows added since the last call are indexed from their
text files, rows whose text changed are re-indexed, deleted rows leave the
index. The crawl never writes the index; every search syncs it first.

Filters (:class:`Filters`) apply to listing and search alike:

- ``site``: the URL's host (``example.com`` also matches ``www.example.com``)
  or the site name (``og:site_name``), case-insensitive;
- ``since`` / ``until``: inclusive dates (``YYYY-MM-DD``) on the published date
  (the fetch date when it is unknown), or on the fetch date (``date_field``
  ``"fetched"``); dates are compared as written, without time zone conversion;
- ``language``: ``en`` matches ``en`` and ``en-GB``.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from crawler.review.urls import url_host

FTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS articles_fts_rows (
    id INTEGER PRIMARY KEY,             -- articles.id = articles_fts.rowid
    text_sha1 TEXT NOT NULL             -- the text indexed (a row replaced under the same id is re-indexed)
);
"""

DATE_FIELDS = ("published", "fetched")


@dataclass
class Filters:
    site: str | None = None
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None  # YYYY-MM-DD, inclusive
    language: str | None = None
    date_field: str = "published"  # or "fetched"

    def __post_init__(self):
        if self.date_field not in DATE_FIELDS:
            raise ValueError(f"date_field must be one of {', '.join(DATE_FIELDS)}, not {self.date_field!r}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value:
                setattr(self, name, parse_date(value))

    def where(self, alias: str = "a") -> tuple[list[str], list[object]]:
        """SQL conditions on the ``articles`` table (as ``alias``) and their parameters."""
        clauses: list[str] = []
        params: list[object] = []
        if self.site:
            site = self.site.strip().lower()
            clauses.append(f"(url_host({alias}.url) = ? OR url_host({alias}.url) LIKE ? ESCAPE '\\' "
                           f"OR lower({alias}.site_name) = ?)")
            params += [site, "%." + _like_escape(site), site]
        day = (f"substr(coalesce({alias}.published, {alias}.fetched_at), 1, 10)" if self.date_field == "published"
               else f"substr({alias}.fetched_at, 1, 10)")
        if self.since:
            clauses.append(f"{day} >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{day} <= ?")
            params.append(self.until)
        if self.language:
            language = self.language.strip().lower()
            clauses.append(f"(lower({alias}.language) = ? OR lower({alias}.language) LIKE ? ESCAPE '\\')")
            params += [language, _like_escape(language) + "-%"]
        return clauses, params


def parse_date(value: str) -> str:
    """``2024-02-04`` (or a full ISO timestamp) -> ``2024-02-04``; ValueError otherwise."""
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prepare(db: sqlite3.Connection) -> sqlite3.Connection:
    """Registers the SQL functions the filters use on a catalog connection."""
    db.create_function("url_host", 1, url_host, deterministic=True)
    return db


def phrase_query(phrase: str) -> str:
    """An FTS5 query matching ``phrase`` as a phrase (its words in this order), whatever it holds."""
    words = phrase.strip()
    if not words:
        raise ValueError("empty search phrase")
    return '"' + words.replace('"', '""') + '"'


def read_text(archive_dir: str | os.PathLike, text_path: str | None) -> str | None:
    """An article's clean text, or None when its file is missing."""
    if not text_path:
        return None
    try:
        return (Path(archive_dir) / text_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def sync_index(db: sqlite3.Connection, archive_dir: str | os.PathLike) -> int:
    """Indexes the catalog rows not indexed yet (or whose text changed); returns how many."""
    with db:
        db.executescript(FTS_SCHEMA)
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


def _latest_only(alias: str = "a") -> str:
    return (f"NOT EXISTS (SELECT 1 FROM articles n WHERE n.url = {alias}.url "
            f"AND (n.revision > {alias}.revision OR (n.revision = {alias}.revision AND n.id > {alias}.id)))")


def list_articles(db: sqlite3.Connection, filters: Filters | None = None, *, limit: int | None = None,
                  all_revisions: bool = False) -> list[sqlite3.Row]:
    """Articles, newest fetch first: the latest revision of each URL (or every revision)."""
    clauses, params = (filters or Filters()).where("a")
    if not all_revisions:
        clauses.append(_latest_only("a"))
    sql = ("SELECT a.*, (SELECT count(*) FROM articles r WHERE r.url = a.url) AS revisions FROM articles a"
           + (" WHERE " + " AND ".join(clauses) if clauses else "")
           + " ORDER BY a.fetched_at DESC, a.id DESC")
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return prepare(db).execute(sql, params).fetchall()


def search(db: sqlite3.Connection, archive_dir: str | os.PathLike, phrase: str, filters: Filters | None = None, *,
           limit: int | None = None, marks: tuple[str, str] = ("[", "]"), sync: bool = True) -> list[sqlite3.Row]:
    """Article revisions whose title or clean text holds ``phrase``, best match first,
    each with a ``snippet`` of the text around it (the match between ``marks``)."""
    query = phrase_query(phrase)
    if sync:
        sync_index(db, archive_dir)
    clauses, params = (filters or Filters()).where("a")
    sql = ("SELECT a.*, snippet(articles_fts, 1, ?, ?, '…', 32) AS snippet, "
           "snippet(articles_fts, 0, ?, ?, '…', 32) AS title_snippet, articles_fts.rank AS rank "
           "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
           "WHERE articles_fts MATCH ?" + "".join(f" AND {c}" for c in clauses)
           + " ORDER BY articles_fts.rank, a.fetched_at DESC, a.id DESC")
    all_params: list[object] = [*marks, *marks, query, *params]
    if limit:
        sql += " LIMIT ?"
        all_params.append(limit)
    return prepare(db).execute(sql, all_params).fetchall()

"""Listing and full-text search of the archived articles (no Scrapy imports).

The clean texts are indexed in the catalog's FTS5 table ``articles_fts``
(pipelines/storage/fulltext.py); every search brings the index up to date first.

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

from crawler.review.urls import url_host
from pipelines.storage.fulltext import FullTextIndex

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


def sync_index(db: sqlite3.Connection, archive_dir: str | os.PathLike) -> int:
    """Brings the catalog's full-text index up to date (see pipelines/storage/fulltext.py)."""
    return FullTextIndex(db).sync(archive_dir)


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

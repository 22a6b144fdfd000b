"""One article and its revisions: finding it, and what changed between revisions (no Scrapy imports)."""

from __future__ import annotations

import difflib
import sqlite3

ARTICLE_QUERY = ("SELECT a.*, c.fetched_at AS warc_date FROM articles a "
                 "LEFT JOIN captures c ON c.record_id = a.response_record_id")


def find_article(db: sqlite3.Connection, id_or_url: str) -> sqlite3.Row | None:
    """The row with this ID, or the latest revision archived for this URL (or canonical URL)."""
    key = id_or_url.strip()
    if key.isdigit():
        return db.execute(ARTICLE_QUERY + " WHERE a.id = ?", (int(key),)).fetchone()
    return db.execute(
        ARTICLE_QUERY + " WHERE a.url = ? OR a.canonical_url = ? ORDER BY a.url = ? DESC, a.revision DESC, a.id DESC"
        " LIMIT 1", (key, key, key)).fetchone()


def revisions(db: sqlite3.Connection, article: sqlite3.Row) -> list[sqlite3.Row]:
    """Every revision of the article's URL, oldest first (the store numbers them per URL)."""
    return db.execute(ARTICLE_QUERY + " WHERE a.url = ? ORDER BY a.revision, a.id", (article["url"],)).fetchall()


def unified_diff(old: str, new: str, old_label: str, new_label: str, context: int = 1) -> str:
    """A unified diff of two clean texts, line by line (a line is a paragraph); empty when equal."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label,
                                 n=context, lineterm="")
    return "\n".join(lines)


def revision_label(row: sqlite3.Row) -> str:
    return f"revision {row['revision']} (id {row['id']}, fetched {row['fetched_at']})"

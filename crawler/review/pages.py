"""``pages.jsonl`` for a WACZ from the catalog: one page per archived article
revision, with its clean text, so ReplayWeb.page can list and search them."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Archived articles", "hasText": True}


def article_rows(db: sqlite3.Connection, run_id: str | None) -> list[sqlite3.Row]:
    """Articles (of one run, or all), with the WARC-Date of the capture holding their payload."""
    query = ("SELECT a.*, c.fetched_at AS warc_date FROM articles a "
             "LEFT JOIN captures c ON c.record_id = a.response_record_id")
    if run_id:
        return db.execute(query + " WHERE a.run_id = ? ORDER BY a.id", (run_id,)).fetchall()
    return db.execute(query + " ORDER BY a.id").fetchall()


def warc_files_for_run(db: sqlite3.Connection, run_id: str) -> set[str]:
    """The run's WARC files, plus those holding the originals its revisits refer to."""
    rows = db.execute(
        "SELECT warc_file FROM captures WHERE run_id = ? UNION "
        "SELECT o.warc_file FROM captures r JOIN captures o ON o.record_id = r.refers_to WHERE r.run_id = ? "
        "UNION SELECT warc_file FROM articles WHERE run_id = ?",
        (run_id, run_id, run_id),
    ).fetchall()
    return {r[0] for r in rows if r[0]}


def write_pages(rows: list[sqlite3.Row], archive_dir: str | os.PathLike, output: str | os.PathLike) -> int:
    with open(output, "w", encoding="utf-8") as out:
        out.write(json.dumps(HEADER) + "\n")
        for row in rows:
            text_path = Path(archive_dir) / row["text_path"]
            text = text_path.read_text(encoding="utf-8") if text_path.exists() else ""
            warc_date = row["warc_date"] or row["fetched_at"]
            page = {"id": row["response_record_id"] or str(row["id"]), "url": row["url"],
                    "ts": warc_date.replace("+00:00", "Z"), "title": row["title"] or row["url"], "text": text}
            out.write(json.dumps(page, ensure_ascii=False) + "\n")
    return len(rows)

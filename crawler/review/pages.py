"""``pages.jsonl`` for a WACZ from the catalog: one page per archived article
revision, with its clean text, so ReplayWeb.page can list and search them."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from pipelines.storage.catalog import COMPLETE

HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Archived articles", "hasText": True}


def article_rows(db: sqlite3.Connection, run_id: str | None) -> list[sqlite3.Row]:
    """Articles (all revisions), with the WARC-Date of the capture holding their payload;
    for one run, the pages that run captured (see run_page_rows)."""
    if run_id:
        return run_page_rows(db, run_id)
    query = ("SELECT a.*, c.fetched_at AS warc_date FROM articles a "
             "LEFT JOIN captures c ON c.record_id = a.response_record_id")
    return db.execute(query + " ORDER BY a.id").fetchall()


def run_page_rows(db: sqlite3.Connection, run_id: str) -> list[sqlite3.Row]:
    """The articles a run captured, changed or not: for each article URL with a complete
    capture in the run (a new revision, the same payload again, a 304), its newest
    revision (title, text), at the WARC-Date of the run's capture, so the page opens on
    what the run archived."""
    return db.execute(
        "SELECT a.*, c.fetched_at AS warc_date, c.record_id AS capture_record_id FROM captures c "
        "JOIN articles a ON a.id = (SELECT id FROM articles WHERE url = c.url ORDER BY revision DESC, id DESC LIMIT 1)"
        f" WHERE c.run_id = ? AND {COMPLETE} AND c.id = (SELECT max(id) FROM captures d WHERE d.url = c.url AND"
        " d.run_id = c.run_id) ORDER BY a.id",
        (run_id,),
    ).fetchall()


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
            record = row["capture_record_id"] if "capture_record_id" in row.keys() else None  # noqa: SIM118 (sqlite3.Row)
            page = {"id": record or row["response_record_id"] or str(row["id"]), "url": row["url"],
                    "ts": warc_date.replace("+00:00", "Z"), "title": row["title"] or row["url"], "text": text}
            out.write(json.dumps(page, ensure_ascii=False) + "\n")
    return len(rows)

"""The crawl runs of an archive, as they are on disk (no Scrapy imports).

A run is named by its run ID (``PREFIX-YYYYMMDDhhmmss-HOST-PID``). This module
owns what is known of a run from the archive alone: whether a string may name
one (it becomes part of file paths), its summary file
``ARCHIVE_DIR/warc/<run_id>.stats.json`` (written by the RunSummary extension),
the place of its report ``ARCHIVE_DIR/reports/<run_id>/report.html``, the list
of every run summary, newest first, and whether the catalog holds rows of a run.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pipelines.storage.catalog import Catalog
from pipelines.storage.layout import ArchiveLayout

logger = logging.getLogger(__name__)

SUMMARY_SUFFIX = ".stats.json"


def stats_path(archive_dir: str | os.PathLike, run_id: str) -> Path:
    return ArchiveLayout.of(archive_dir).stats_file(run_id)


def report_path(archive_dir: str | os.PathLike, run_id: str) -> Path:
    return ArchiveLayout.of(archive_dir).report(run_id)


def catalog_file(archive_dir: str | os.PathLike, catalog_path: str | os.PathLike | None = None) -> Path:
    """``catalog_path`` when given (the crawl's CATALOG_PATH, resolved), else the archive's default catalog."""
    return Path(catalog_path) if catalog_path else ArchiveLayout.of(archive_dir).catalog


def open_catalog(path: str | os.PathLike) -> Catalog | None:
    """The catalog at ``path`` (older files get their missing columns), or None: never creates one."""
    if not os.path.exists(path):
        return None
    return Catalog(path)


def read_summary(archive_dir: str | os.PathLike, run_id: str) -> dict | None:
    """The run's summary, or None when its file is missing or unreadable."""
    path = stats_path(archive_dir, run_id)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("Unreadable run summary %s: %s", path, exc)
        return None
    return summary if isinstance(summary, dict) else None


def load_runs(archive_dir: str | os.PathLike) -> tuple[list[dict], list[tuple[Path, str]]]:
    """The run summaries of the archive, newest first, and the files that could not be read."""
    runs: list[tuple[str, int, dict]] = []
    bad: list[tuple[Path, str]] = []
    for path in ArchiveLayout.of(archive_dir).stats_files():
        try:
            written = path.stat().st_mtime_ns
            summary = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(summary, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            bad.append((path, str(exc)))
            continue
        summary.setdefault("run", path.name[: -len(SUMMARY_SUFFIX)])
        runs.append((str(summary.get("started") or ""), written, summary))
    # Runs started in the same second: the summary written last is the newest.
    runs.sort(key=lambda entry: entry[:2], reverse=True)
    return [summary for _, _, summary in runs], bad


def run_known(archive_dir: str | os.PathLike, run_id: str, catalog_path: str | os.PathLike | None = None) -> bool:
    """Whether the archive has a summary, articles or captures of this run."""
    if stats_path(archive_dir, run_id).exists():
        return True
    catalog = open_catalog(catalog_file(archive_dir, catalog_path))
    if catalog is None:
        return False
    try:
        return any(catalog.db.execute(f"SELECT 1 FROM {table} WHERE run_id = ? LIMIT 1", (run_id,)).fetchone()
                   for table in ("articles", "captures"))
    finally:
        catalog.close()

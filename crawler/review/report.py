"""A self-contained HTML report of one crawl run (no Scrapy imports).

``ARCHIVE_DIR/reports/<run_id>/report.html`` shows the run's summary
(``ARCHIVE_DIR/warc/<run_id>.stats.json``, written by the RunSummary extension),
the catalog rows of the run (``run_id`` column of ``articles`` and ``captures``)
and the story clusters of its articles: :mod:`crawler.review.report_data`
collects them, this module renders ``templates/report.html`` with Jinja2 and
writes the file. One static file: CSS and SVG charts inline, no script, no font,
no image, and a Content-Security-Policy of ``default-src 'none'`` so that the
page cannot load anything even if a value from a crawled page slipped through.
None can: the template is rendered with autoescaping, so every value is
HTML-escaped on output. Links point at the articles' text files (relative to
the report, inside the archive) and at their replay URLs (``scrapy replay``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path

import jinja2
from markupsafe import escape

from crawler import __version__
from crawler.review.report_data import ReplayUrl, ReportData, collect
from crawler.review.runs import report_path

# load_runs and run_known are here for `scrapy review` (crawler/commands/review.py), which reaches
# the runs through this module; they belong to crawler.review.runs.
__all__ = ["environment", "esc", "render", "write_report"]

logger = logging.getLogger(__name__)

TEMPLATE = "report.html"


def esc(value: object) -> str:
    """``value`` as the report's HTML writes it (the template's autoescaping; None is empty)."""
    return str(escape("" if value is None else value))


def sha256_base64(text: str) -> str:
    """The digest a Content-Security-Policy ``'sha256-...'`` source names ``text`` by."""
    return base64.b64encode(hashlib.sha256(str(text).encode("utf-8")).digest()).decode("ascii")


def environment() -> jinja2.Environment:
    """The report's templates, from ``crawler/review/templates`` (package data), HTML-escaped on output."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("crawler.review", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["sha256_base64"] = sha256_base64
    return env


def render(data: ReportData, *, replay_hint: str = "") -> str:
    """The report page of ``data``; ``replay_hint`` says where replay links point (shown after them)."""
    template = environment().get_template(TEMPLATE)
    return template.render(r=data, replay_hint=replay_hint, version=__version__)


def write_report(archive_dir: str | os.PathLike, run_id: str, *, catalog_path: str | os.PathLike | None = None,
                 replay: ReplayUrl | None = None, replay_hint: str = "",
                 fallback_summary: dict | None = None) -> Path:
    """Builds ``ARCHIVE_DIR/reports/<run_id>/report.html`` (atomically) and returns its path.

    ``catalog_path`` is the catalog to read (the crawl's CATALOG_PATH; default: the archive's
    ``catalog.sqlite``), ``replay`` turns (URL, WARC-Date) into a replay URL, and
    ``fallback_summary`` is shown when the run's summary file is missing.
    """
    data = collect(archive_dir, run_id, catalog_path=catalog_path, replay=replay, fallback_summary=fallback_summary)
    page = render(data, replay_hint=replay_hint)
    path = report_path(archive_dir, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    logger.debug("Wrote the report of run %s: %s", run_id, path)
    return path

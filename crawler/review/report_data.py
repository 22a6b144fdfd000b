"""What the run report shows, collected from the archive (no Scrapy imports).

:func:`collect` reads the run's summary (``warc/<run_id>.stats.json``, or the
crawler's statistics handed over when that file is missing) and the catalog
rows of the run: its articles, its HTTP captures and the story clusters its
articles belong to. The result, :class:`ReportData`, is plain data the
template only has to lay out: rows are dictionaries of catalog columns with
``host``, ``text_href`` (the text file, relative to the report) and
``replay_url`` added; figures are computed here, charts are laid out by
:mod:`crawler.review.charts` and site statistics come from
:mod:`crawler.review.report_sites`. Nothing is escaped here: values from
crawled pages stay as they are, the template escapes them.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from crawler.exit_status import meaning
from crawler.review.charts import MAX_ROWS, BarChart, bar_chart
from crawler.review.report_sites import Sites, human_bytes, sites
from crawler.review.runs import catalog_file, open_catalog, read_summary, report_path, stats_path
from crawler.review.urls import url_host
from pipelines.storage.layout import check_run_id

ReplayUrl = Callable[[str, str], str]  # (url, WARC-Date) -> replay URL
STORY_CHUNK = 500  # story IDs per query (SQLite allows 999 parameters in older builds)

# The run summary's figures, in the order the report lists them (None: not shown).
SUMMARY_FIELDS = (
    ("Spider", "spider"), ("Finish reason", "finish_reason"), ("Started", "started"), ("Finished", "finished"),
    ("Responses fetched", "fetched"), ("Article URLs due", "expected_articles"),
    ("Articles archived", "archived"), ("New revisions", "new_revisions"), ("Unchanged", "unchanged"),
    ("Skipped (archived recently)", "skipped_recent"), ("Forbidden by robots.txt", "robots_forbidden"),
    ("Errors", "errors"), ("WARC records", "warc_records"), ("WARC revisit records", "warc_revisits"),
)

_UNREACHABLE = {"CannotResolveHostError": "cannot be resolved (DNS)",
                "DownloadConnectionRefusedError": "refuses connections"}
_WALLS = {"challenge": "bot challenge instead of the article", "consent": "cookie-consent page instead of the article",
          "paywall": "paywall stub instead of the article"}
_UNDISCOVERED = {"sitemap": "no sitemap found from the home page", "feed": "no feed found from the page"}

_ARTICLES_WITH_DATE = ("SELECT a.*, c.fetched_at AS warc_date FROM articles a "
                       "LEFT JOIN captures c ON c.record_id = a.response_record_id ")


@dataclass
class ReportData:
    run_id: str
    generated: str  # ISO 8601, UTC
    summary: dict | None = None  # None: neither the summary file nor a fallback
    summary_source: str | None = None  # the summary's file name; None for the fallback
    articles: list[dict] = field(default_factory=list)
    captures: list[dict] = field(default_factory=list)  # url, status, record_type, payload_length
    clusters: list[dict] = field(default_factory=list)  # story_id, articles (each with this_run)
    any_story: bool = False  # whether any archived article has a story ID (story linking ran)

    @property
    def exit_status(self) -> int | None:
        return (self.summary or {}).get("exit_status")

    @property
    def exit_meaning(self) -> str:
        return meaning(self.exit_status)

    @property
    def summary_fields(self) -> list[tuple[str, object]]:
        summary = self.summary or {}
        fields = [(name, summary.get(key)) for name, key in SUMMARY_FIELDS]
        if summary.get("warc_bytes") is not None:
            fields.append(("WARC bytes", human_bytes(summary["warc_bytes"])))
        fields.append(("WARC files", ", ".join(map(str, summary.get("warc_files") or [])) or None))
        requisites = summary.get("requisites")
        if requisites:  # stylesheets, images, fonts, scripts of the archived pages
            fields += [("Page requisites fetched", requisites.get("fetched")),
                       ("Page requisites failed", requisites.get("failed")),
                       ("Page requisite bytes", human_bytes(requisites.get("bytes") or 0))]
        return [(name, value) for name, value in fields if value is not None]

    @property
    def drops(self) -> list[tuple[str, int]]:
        """(reason, responses), most frequent first."""
        dropped = (self.summary or {}).get("dropped") or {}
        return sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def dropped_total(self) -> int:
        return sum(n for _, n in self.drops)

    @property
    def drops_chart(self) -> BarChart:
        return bar_chart("Dropped responses by reason",
                         [(reason, [(n, "bar drop", f"{reason}: {n}")]) for reason, n in self.drops[:MAX_ROWS]])

    @property
    def errors_by_type(self) -> list[tuple[str, object]]:
        """(error, count), most frequent first."""
        by_type = (self.summary or {}).get("errors_by_type") or {}
        return sorted(by_type.items(), key=lambda kv: (-kv[1] if isinstance(kv[1], int) else 0, kv[0]))

    @property
    def attention_hosts(self) -> list[dict]:
        """Hosts that could not be reached, put walls in articles' places, or led to no sitemap or
        feed: {host, what, count}, in that order, then by host."""
        summary = self.summary or {}
        rows = []
        for key, describe in (("unreachable_hosts", _UNREACHABLE), ("blocked_hosts", _WALLS),
                              ("undiscovered", _UNDISCOVERED)):
            for host, kinds in sorted((summary.get(key) or {}).items()):
                for kind, count in sorted(kinds.items()):
                    rows.append({"host": host, "what": describe.get(kind, kind), "count": count})
        return rows

    @property
    def sites(self) -> Sites:
        return sites(self.captures)


def collect(archive_dir: str | os.PathLike, run_id: str, *, catalog_path: str | os.PathLike | None = None,
            replay: ReplayUrl | None = None, fallback_summary: dict | None = None) -> ReportData:
    """Everything the report of ``run_id`` shows; the catalog is ``catalog_path`` (default: the archive's)."""
    archive_dir = Path(archive_dir)
    check_run_id(run_id)
    data = ReportData(run_id=run_id, generated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    data.summary = read_summary(archive_dir, run_id)
    if data.summary is not None:
        data.summary_source = stats_path(archive_dir, run_id).name
    else:
        data.summary = fallback_summary
    catalog = open_catalog(catalog_file(archive_dir, catalog_path))
    if catalog is None:
        return data
    links = _Links(archive_dir, report_path(archive_dir, run_id).parent, replay)
    db = catalog.db
    try:
        articles = db.execute(_ARTICLES_WITH_DATE + "WHERE a.run_id = ? ORDER BY a.id", (run_id,)).fetchall()
        data.articles = [links.add(dict(row)) for row in articles]
        data.captures = [dict(row) for row in db.execute(
            "SELECT url, status, record_type, payload_length FROM captures WHERE run_id = ? ORDER BY id",
            (run_id,))]
        data.any_story = db.execute("SELECT 1 FROM articles WHERE story_id IS NOT NULL LIMIT 1").fetchone() \
            is not None
        data.clusters = _clusters(db, articles, run_id, links)
    finally:
        catalog.close()
    return data


class _Links:
    """Adds ``host``, ``text_href`` and ``replay_url`` to an article row."""

    def __init__(self, archive_dir: Path, report_dir: Path, replay: ReplayUrl | None):
        self.archive_dir, self.report_dir, self.replay = archive_dir, report_dir, replay

    def add(self, article: dict) -> dict:
        article["host"] = url_host(article["url"]) or "(no host)"
        article["text_href"] = (quote(Path(os.path.relpath(self.archive_dir / article["text_path"],
                                                           self.report_dir)).as_posix())
                                if article["text_path"] else None)
        article["replay_url"] = self._replay(article["url"], article["warc_date"] or article["fetched_at"])
        return article

    def _replay(self, url: str, warc_date: str | None) -> str | None:
        if self.replay is None or not warc_date:
            return None
        try:
            return self.replay(url, warc_date)
        except ValueError:
            return None


def _clusters(db: sqlite3.Connection, articles: Iterable[sqlite3.Row], run_id: str, links: _Links) -> list[dict]:
    """Stories told by this run's articles and at least one other archived URL."""
    story_ids = sorted({row["story_id"] for row in articles if row["story_id"] is not None})
    members: dict[int, dict[str, dict]] = defaultdict(dict)
    for start in range(0, len(story_ids), STORY_CHUNK):
        chunk = story_ids[start:start + STORY_CHUNK]
        rows = db.execute(_ARTICLES_WITH_DATE + f"WHERE a.story_id IN ({', '.join('?' * len(chunk))}) ORDER BY a.id",
                          chunk).fetchall()
        for row in rows:  # one entry per URL: its latest revision, and whether this run archived it
            by_url = members[row["story_id"]]
            seen = by_url.get(row["url"])
            this_run = row["run_id"] == run_id or (seen is not None and seen["this_run"])
            by_url[row["url"]] = {**links.add(dict(row)), "this_run": this_run}
    clusters = []
    for story_id in story_ids:
        entries = sorted(members[story_id].values(), key=lambda entry: entry["id"])
        if len(entries) >= 2:
            clusters.append({"story_id": story_id, "articles": entries})
    return clusters

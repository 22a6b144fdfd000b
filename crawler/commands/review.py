"""``scrapy review``: look into the archive without crawling (no network).

  scrapy review [--site S] [--since D] [--until D] [--language L] [--by published|fetched] [--limit N]
  scrapy review --search "PHRASE" [filters]   full-text search of the clean texts (SQLite FTS5)
  scrapy review --show ID_OR_URL              one article: metadata, text, revisions and their diffs, snapshot
  scrapy review --runs                        the crawl runs and their summaries, newest first
  scrapy review --report RUN_ID|latest        (re)build the run's HTML report

See docs/review.md.
"""

from __future__ import annotations

import os
import re
import sqlite3

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.review import diff, report, search
from crawler.review.runs import load_runs, report_path, run_known
from crawler.review.urls import replay_url
from pipelines.storage.catalog import Catalog
from pipelines.storage.fulltext import read_text
from pipelines.storage.layout import ArchiveLayout

DEFAULT_LIMIT = 50
# Control characters from crawled pages (ANSI escape sequences...) never reach the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def out(text: object = "") -> None:
    print(_CONTROL.sub("\ufffd", str(text)))


def one_line(value: object) -> str:
    return " ".join(str(value).split())


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False  # never builds a crawler: no reactor, no spider, no network
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--search PHRASE | --show ID_OR_URL | --runs | --report RUN_ID] [filters]"

    def short_desc(self) -> str:
        return "List, search and show archived articles, list runs, build run reports"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        mode = parser.add_argument_group("Modes (default: list the articles, newest first)")
        modes = mode.add_mutually_exclusive_group()
        modes.add_argument("--search", metavar="PHRASE", help="articles whose clean text holds PHRASE")
        modes.add_argument("--show", metavar="ID_OR_URL",
                           help="one article (catalog ID, or URL: its latest revision) with its revisions")
        modes.add_argument("--runs", action="store_true", help="list the crawl runs with their summaries")
        modes.add_argument("--report", metavar="RUN_ID", help="(re)build the HTML report of a run (or 'latest')")
        filters = parser.add_argument_group("Filters of the list and the search")
        filters.add_argument("--site", help="host of the URL (subdomains too) or site name")
        filters.add_argument("--since", metavar="YYYY-MM-DD", help="from this date on (inclusive)")
        filters.add_argument("--until", metavar="YYYY-MM-DD", help="up to this date (inclusive)")
        filters.add_argument("--language", "--lang", dest="language", help="language code (en also matches en-GB)")
        filters.add_argument("--by", choices=search.DATE_FIELDS, default="published",
                             help="date the range applies to: published (fetch date when unknown; default) "
                                  "or fetched")
        filters.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                             help=f"at most this many articles (default {DEFAULT_LIMIT}; 0: all)")
        filters.add_argument("--all-revisions", action="store_true",
                             help="list every revision, not only the latest of each URL")

    # -- helpers ----------------------------------------------------------------
    @property
    def archive_dir(self) -> str:
        return self.settings.get("ARCHIVE_DIR")

    @property
    def layout(self) -> ArchiveLayout:
        return ArchiveLayout.from_settings(self.settings)

    @property
    def catalog_path(self) -> str:
        return str(self.layout.catalog)

    def _open(self) -> sqlite3.Connection | None:
        if not os.path.exists(self.catalog_path):
            return None
        return search.prepare(Catalog(self.catalog_path).db)

    def _no_archive(self) -> str:
        return f"No archive yet: {self.catalog_path} does not exist (run `scrapy crawl` first)."

    def _replay(self, url: str, warc_date: str | None) -> str:
        try:
            return replay_url(self.settings, url, warc_date or "")
        except ValueError:
            return "(unknown: no WARC date)"

    # -- run --------------------------------------------------------------------
    def run(self, args, opts) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)} (a phrase goes after --search)")
        if opts.limit is not None and opts.limit < 0:
            raise UsageError("--limit must be 0 (all) or more")
        try:
            filters = search.Filters(site=opts.site, since=opts.since, until=opts.until, language=opts.language,
                                     date_field=opts.by)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        if opts.runs:
            self.list_runs()
        elif opts.report:
            self.build_report(opts.report)
        elif opts.show:
            self.print_article(opts.show)
        elif opts.search is not None:
            self.print_search(opts.search, filters, opts.limit)
        else:
            self.print_list(filters, opts.limit, opts.all_revisions)

    @staticmethod
    def _line(row, snippet: str | None = None) -> str:
        revision = f"  (revision {row['revision']})" if row["revision"] and row["revision"] > 1 else ""
        day = (row["published"] or row["fetched_at"] or "")[:10]
        lines = [f"{row['id']:>6}  {one_line(day):<10}  {one_line(row['language'] or '-'):<5}  "
                 f"{search.url_host(row['url']) or '-'}  {one_line(row['title'] or '(no title)')}{revision}",
                 f"        {one_line(row['url'])}"]
        if snippet:
            lines.append("        " + one_line(snippet))
        return "\n".join(lines)

    def print_list(self, filters: search.Filters, limit: int, all_revisions: bool) -> None:
        db = self._open()
        if db is None:
            out(self._no_archive())
            return
        try:
            rows = search.list_articles(db, filters, limit=limit or None, all_revisions=all_revisions)
            total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            db.close()
        if not rows:
            out("No archived article." if not total else f"No article matches ({total} revisions in the archive).")
            return
        for row in rows:
            out(self._line(row))
        more = f"; the first {limit} shown (--limit 0 for all)" if limit and len(rows) == limit else ""
        out(f"\n{plural(len(rows), 'revision' if all_revisions else 'article')}, newest first{more}.")

    def print_search(self, phrase: str, filters: search.Filters, limit: int) -> None:
        if not phrase.strip():
            raise UsageError("--search needs a phrase")
        db = self._open()
        if db is None:
            out(self._no_archive())
            return
        try:
            rows = search.search(db, self.archive_dir, phrase, filters, limit=limit or None)
        except sqlite3.OperationalError as exc:
            raise UsageError(f"search failed: {exc}") from exc
        finally:
            db.close()
        if not rows:
            out(f'No article holds "{phrase}".')
            return
        for row in rows:
            out(self._line(row, row["snippet"]))
        more = f"; the first {limit} shown (--limit 0 for all)" if limit and len(rows) == limit else ""
        out(f'\n{plural(len(rows), "article revision")} {"holds" if len(rows) == 1 else "hold"} "{phrase}", '
            f"best match first{more}.")

    def print_article(self, key: str) -> None:
        db = self._open()
        if db is None:
            raise UsageError(f"no article {key}: {self._no_archive()}")
        try:
            article = diff.find_article(db, key)
            if article is None:
                raise UsageError(f"no article with ID or URL {key} in {self.catalog_path}")
            revisions = diff.revisions(db, article)
        finally:
            db.close()
        a = article
        out(f"Article {a['id']}: revision {a['revision']} of {len(revisions)}")
        fields = [("URL", a["url"]), ("Canonical URL", a["canonical_url"]), ("Title", a["title"]),
                  ("Author", a["author"]), ("Published", a["published"]), ("Language", a["language"]),
                  ("Site", a["site_name"]), ("Description", a["description"]), ("Fetched", a["fetched_at"]),
                  ("Discovered via", a["discovered_via"]), ("Run", a["run_id"]),
                  ("Story", f"{a['story_id']}" + (f" (similarity {a['story_similarity']:.2f})"
                                                   if a["story_similarity"] is not None else "")
                   if a["story_id"] is not None else None),
                  ("Text file", self.layout.path(a["text_path"]))]
        for name, value in fields:
            if value not in (None, ""):
                out(f"  {name + ':':<16}{one_line(value)}")
        out("Snapshot:")
        warc = self.layout.warc_file(a["warc_file"]) if a["warc_file"] else "(none)"
        for name, value in [("WARC file", warc), ("Offset", a["warc_offset"]),
                            ("Record ID", a["response_record_id"]), ("Payload digest", a["payload_digest"]),
                            ("WARC-Date", a["warc_date"] or a["fetched_at"]),
                            ("Text record", a["conversion_record_id"]),
                            ("Replay URL", self._replay(a["url"], a["warc_date"] or a["fetched_at"]))]:
            out(f"  {name + ':':<16}{value if value is not None else '(none)'}")
        text = read_text(self.archive_dir, a["text_path"])
        out("\nText:")
        out(text.rstrip("\n") if text is not None else f"  (missing: {a['text_path']})")
        out(f"\nRevisions ({len(revisions)}):")
        for r in revisions:
            mark = "*" if r["id"] == a["id"] else " "
            out(f" {mark} revision {r['revision']}  id {r['id']}  fetched {r['fetched_at']}  "
                  f"text {r['text_sha1'][:12]}  record {r['response_record_id'] or '(none)'}  run {r['run_id'] or '-'}")
        for old, new in zip(revisions, revisions[1:], strict=False):
            old_text = read_text(self.archive_dir, old["text_path"])
            new_text = read_text(self.archive_dir, new["text_path"])
            out(f"\nChanges from revision {old['revision']} to revision {new['revision']}:")
            if old_text is None or new_text is None:
                out("  (a text file is missing)")
                continue
            patch = diff.unified_diff(old_text, new_text, diff.revision_label(old), diff.revision_label(new))
            out(patch or "  (no change in the text)")

    def list_runs(self) -> None:
        runs, bad = load_runs(self.archive_dir)
        for path, error in bad:
            out(f"(unreadable run summary {path}: {error})")
        if not runs:
            out(f"No runs yet: no run summary (*.stats.json) in {self.layout.warc_dir}.")
            return
        for s in runs:
            dropped = s.get("dropped") or {}
            run = str(s.get("run"))
            try:
                has_report = report_path(self.archive_dir, run).exists()
            except ValueError:
                has_report = False
            out(f"{run}  {s.get('spider') or '-'}  {s.get('started') or '?'} -> {s.get('finished') or '?'}  "
                  f"{s.get('finish_reason') or '?'}  exit {s.get('exit_status', '?')}  "
                  f"fetched {s.get('fetched', 0)}  archived {s.get('archived', 0)} "
                  f"(new revisions {s.get('new_revisions', 0)})  unchanged {s.get('unchanged', 0)}  "
                  f"dropped {sum(v for v in dropped.values() if isinstance(v, int))}  errors {s.get('errors', 0)}"
                  + ("  [report]" if has_report else ""))
        out(f"\n{plural(len(runs), 'run')}, newest first. "
            f"Reports: {self.layout.root / 'reports' / 'RUN_ID' / 'report.html'}")

    def build_report(self, run: str) -> None:
        if run == "latest":
            runs, _ = load_runs(self.archive_dir)
            if not runs:
                raise UsageError(f"no runs in {self.archive_dir}: nothing to report")
            run = str(runs[0]["run"])
        try:
            known = run_known(self.archive_dir, run, self.catalog_path)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        if not known:
            raise UsageError(f"unknown run {run}: no run summary, article or capture of it in {self.archive_dir} "
                             "(see `scrapy review --runs`)")
        path = report.write_report(
            self.archive_dir, run, catalog_path=self.catalog_path,
            replay=lambda url, date: replay_url(self.settings, url, date),
            replay_hint=f"scrapy replay, 127.0.0.1:{self.settings.getint('REPLAY_PORT')}")
        out(path)

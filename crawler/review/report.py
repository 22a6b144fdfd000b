"""A self-contained HTML report of one crawl run (no Scrapy imports).

``ARCHIVE_DIR/reports/<run_id>/report.html`` is built from the catalog rows of
the run (``run_id`` column of ``articles`` and ``captures``), its summary
``ARCHIVE_DIR/warc/<run_id>.stats.json`` (written by the RunSummary extension)
and the story clusters of its articles. One static file: CSS and SVG charts
inline, no script, no font, no image, and a Content-Security-Policy of
``default-src 'none'`` so that the page cannot load anything even if a value
from a crawled page slipped through (every such value is HTML-escaped).
Links point at the articles' text files (relative to the report, inside the
archive) and at their replay URLs (``scrapy replay``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import os
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote, urlsplit

from crawler import __version__

ReplayUrl = Callable[[str, str], str]  # (url, WARC-Date) -> replay URL

# The exit statuses of crawler/extensions/run_summary.py (not imported: that module needs Scrapy).
EXIT_MEANINGS = {
    0: "finished, no threshold crossed",
    3: "did not finish (shutdown signal, closespider, ...)",
    4: "article URLs were due but nothing was archived or found unchanged",
    5: "too many errors (ARCHIVE_MAX_ERRORS / ARCHIVE_MAX_ERROR_RATE)",
    6: "the archive could not be written (disk full, I/O error)",
}
SAFE_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
MAX_CHART_ROWS = 25
MAX_TABLE_SITES = 500

CSS = """
:root{color-scheme:light;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--alt:#f6f8fa}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:1.5rem}
h1{font-size:1.5rem;margin:0 0 .25rem;word-break:break-all}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
nav a{margin-right:1rem}
.muted,.url{color:var(--muted)}
.url{font-size:.82rem;word-break:break-all}
.status{display:inline-block;padding:.2rem .6rem;border-radius:4px;font-weight:600}
.status.ok{background:#dafbe1;color:#116329}
.status.bad{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--alt);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}
dl.summary dt{font-weight:600}
dl.summary dd{margin:0}
svg.chart{display:block;width:100%;max-width:720px;height:auto;margin:.5rem 0}
svg.chart text{font:12px system-ui,Arial,sans-serif;fill:var(--fg)}
svg.chart .track{fill:var(--alt)}
.legend span{display:inline-block;margin-right:1rem}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:baseline}
.s2xx{fill:#2e7d32;background:#2e7d32}.s3xx{fill:#1565c0;background:#1565c0}
.s4xx{fill:#ef6c00;background:#ef6c00}.s5xx{fill:#c62828;background:#c62828}
.sother{fill:#757575;background:#757575}.srevisit{fill:#80cbc4;background:#80cbc4}
.bar{fill:#0969da}.bar.drop{fill:#9a6700}.bar.bytes{fill:#6639ba}
li.this-run{font-weight:600}
footer{margin-top:2rem;color:var(--muted);font-size:.85rem}
"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def report_path(archive_dir: str | os.PathLike, run_id: str) -> Path:
    check_run_id(run_id)
    return Path(archive_dir) / "reports" / run_id / "report.html"


def check_run_id(run_id: str) -> str:
    if not SAFE_RUN_ID.fullmatch(run_id or ""):
        raise ValueError(f"not a run ID: {run_id!r}")
    return run_id


def stats_path(archive_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(archive_dir) / "warc" / f"{check_run_id(run_id)}.stats.json"


def load_runs(archive_dir: str | os.PathLike) -> tuple[list[dict], list[tuple[Path, str]]]:
    """The run summaries of the archive, newest first, and the files that could not be read."""
    runs: list[tuple[str, int, dict]] = []
    bad: list[tuple[Path, str]] = []
    for path in sorted((Path(archive_dir) / "warc").glob("*.stats.json")):
        try:
            written = path.stat().st_mtime_ns
            summary = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(summary, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            bad.append((path, str(exc)))
            continue
        summary.setdefault("run", path.name[: -len(".stats.json")])
        runs.append((str(summary.get("started") or ""), written, summary))
    # Runs started in the same second: the summary written last is the newest.
    runs.sort(key=lambda entry: entry[:2], reverse=True)
    return [summary for _, _, summary in runs], bad


def run_known(archive_dir: str | os.PathLike, run_id: str, catalog_path: str | os.PathLike | None = None) -> bool:
    """Whether the archive has a summary, articles or captures of this run."""
    if stats_path(archive_dir, run_id).exists():
        return True
    db = _open_catalog(catalog_path or Path(archive_dir) / "catalog.sqlite")
    if db is None:
        return False
    try:
        return any(db.execute(f"SELECT 1 FROM {table} WHERE run_id = ? LIMIT 1", (run_id,)).fetchone()
                   for table in ("articles", "captures"))
    finally:
        db.close()


def _open_catalog(path: str | os.PathLike) -> sqlite3.Connection | None:
    if not os.path.exists(path):
        return None
    from pipelines.catalog import Catalog  # creates missing columns of an older catalog

    return Catalog(path).db


def url_host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower() or "(no host)"
    except ValueError:
        return "(bad URL)"


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def status_class(status: int | None, record_type: str | None = None) -> str:
    if record_type == "revisit":
        return "revisit"
    if status is None or not 200 <= status < 600:
        return "other"
    return f"{status // 100}xx"


# --- data -----------------------------------------------------------------------------

def collect(archive_dir: str | os.PathLike, run_id: str, *, catalog_path: str | os.PathLike | None = None,
            replay: ReplayUrl | None = None, fallback_summary: dict | None = None) -> dict:
    """Everything the report shows, as plain data."""
    archive_dir = Path(archive_dir)
    check_run_id(run_id)
    summary, source = None, None
    path = stats_path(archive_dir, run_id)
    if path.exists():
        try:
            summary, source = json.loads(path.read_text(encoding="utf-8")), path.name
        except (OSError, ValueError):
            summary = None
    if summary is None and fallback_summary is not None:
        summary, source = fallback_summary, None
    data = {"run_id": run_id, "summary": summary, "summary_source": source, "articles": [], "captures": [],
            "clusters": [], "any_story": False, "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    db = _open_catalog(catalog_path or archive_dir / "catalog.sqlite")
    if db is None:
        return data
    try:
        articles = db.execute(
            "SELECT a.*, c.fetched_at AS warc_date FROM articles a "
            "LEFT JOIN captures c ON c.record_id = a.response_record_id WHERE a.run_id = ? ORDER BY a.id",
            (run_id,)).fetchall()
        report_dir = report_path(archive_dir, run_id).parent
        for row in articles:
            article = dict(row)
            article["host"] = url_host(row["url"])
            article["text_href"] = _relative_href(archive_dir / row["text_path"], report_dir) \
                if row["text_path"] else None
            article["replay_url"] = _replay(replay, row["url"], row["warc_date"] or row["fetched_at"])
            data["articles"].append(article)
        data["captures"] = [dict(r) for r in db.execute(
            "SELECT url, status, record_type, payload_length FROM captures WHERE run_id = ? ORDER BY id",
            (run_id,))]
        data["any_story"] = db.execute("SELECT 1 FROM articles WHERE story_id IS NOT NULL LIMIT 1").fetchone() \
            is not None
        data["clusters"] = _clusters(db, articles, run_id, archive_dir, report_dir, replay)
    finally:
        db.close()
    return data


def _relative_href(target: Path, base: Path) -> str:
    return quote(Path(os.path.relpath(target, base)).as_posix())


def _replay(replay: ReplayUrl | None, url: str, warc_date: str | None) -> str | None:
    if replay is None or not warc_date:
        return None
    try:
        return replay(url, warc_date)
    except ValueError:
        return None


def _clusters(db, articles, run_id, archive_dir, report_dir, replay) -> list[dict]:
    """Stories told by this run's articles and at least one other archived URL."""
    story_ids = sorted({r["story_id"] for r in articles if r["story_id"] is not None})
    members: dict[int, dict[str, dict]] = defaultdict(dict)
    for start in range(0, len(story_ids), 500):
        chunk = story_ids[start:start + 500]
        rows = db.execute(
            "SELECT a.*, c.fetched_at AS warc_date FROM articles a "
            "LEFT JOIN captures c ON c.record_id = a.response_record_id "
            f"WHERE a.story_id IN ({', '.join('?' * len(chunk))}) ORDER BY a.id", chunk).fetchall()
        for row in rows:  # one entry per URL: its latest revision, and whether this run archived it
            by_url = members[row["story_id"]]
            seen = by_url.get(row["url"])
            this_run = row["run_id"] == run_id or (seen is not None and seen["this_run"])
            by_url[row["url"]] = {
                **dict(row), "this_run": this_run, "host": url_host(row["url"]),
                "text_href": _relative_href(archive_dir / row["text_path"], report_dir) if row["text_path"] else None,
                "replay_url": _replay(replay, row["url"], row["warc_date"] or row["fetched_at"]),
            }
    clusters = []
    for story_id in story_ids:
        entries = sorted(members[story_id].values(), key=lambda e: e["id"])
        if len(entries) >= 2:
            clusters.append({"story_id": story_id, "articles": entries})
    return clusters


# --- HTML -----------------------------------------------------------------------------

def bar_chart(label: str, rows: list[tuple[str, list[tuple[float, str, str]]]],
              fmt: Callable[[float], str] = lambda v: f"{v:,.0f}") -> str:
    """A horizontal bar chart as inline SVG: ``rows`` of (label, segments (value, css class, tooltip))."""
    label_w, bar_w, value_w, row_h, bar_h = 200, 400, 110, 24, 16
    width = label_w + bar_w + value_w
    height = max(1, len(rows)) * row_h + 8
    peak = max((sum(v for v, _, _ in segs) for _, segs in rows), default=0) or 1
    out = [f'<svg class="chart" role="img" aria-label="{esc(label)}" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{esc(label)}</title>']
    for i, (name, segments) in enumerate(rows):
        y = 4 + i * row_h
        shown = name if len(name) <= 30 else name[:29] + "…"
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h - 3}" text-anchor="end"><title>{esc(name)}</title>'
                   f'{esc(shown)}</text>')
        out.append(f'<rect class="track" x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}"/>')
        x = float(label_w)
        for value, css, tip in segments:
            if value <= 0:
                continue
            w = max(1.0, value / peak * bar_w)
            out.append(f'<rect class="{esc(css)}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}">'
                       f'<title>{esc(tip)}</title></rect>')
            x += w
        total = sum(v for v, _, _ in segments)
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_h - 3}">{esc(fmt(total))}</text>')
    out.append("</svg>")
    return "".join(out)


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]], numeric: set[int] = frozenset()) -> str:
    """``rows`` hold HTML already escaped."""
    head = "".join(f'<th{" class=num" if i in numeric else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td{" class=num" if i in numeric else ""}>{cell}</td>'
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _links(entry: dict) -> str:
    links = []
    if entry.get("text_href"):
        links.append(f'<a href="{esc(entry["text_href"])}">text</a>')
    if entry.get("replay_url"):
        links.append(f'<a href="{esc(entry["replay_url"])}" rel="noreferrer">replay</a>')
    return " · ".join(links) or '<span class="muted">none</span>'


def _summary_section(data: dict) -> str:
    summary = data["summary"]
    if summary is None:
        return ('<p class="status bad">No run summary</p><p>The run summary '
                f'<code>warc/{esc(data["run_id"])}.stats.json</code> was not found: the run may not have finished.</p>')
    code = summary.get("exit_status")
    meaning = EXIT_MEANINGS.get(code, "unknown") if isinstance(code, int) else "unknown"
    status = (f'<p class="status {"ok" if code == 0 else "bad"}">Exit status {esc(code)}: {esc(meaning)}</p>'
              if code is not None else '<p class="status bad">Exit status unknown</p>')
    fields = [("Spider", summary.get("spider")), ("Finish reason", summary.get("finish_reason")),
              ("Started", summary.get("started")), ("Finished", summary.get("finished")),
              ("Responses fetched", summary.get("fetched")), ("Article URLs due", summary.get("expected_articles")),
              ("Articles archived", summary.get("archived")), ("New revisions", summary.get("new_revisions")),
              ("Unchanged", summary.get("unchanged")), ("Skipped (archived recently)", summary.get("skipped_recent")),
              ("Forbidden by robots.txt", summary.get("robots_forbidden")), ("Errors", summary.get("errors")),
              ("WARC records", summary.get("warc_records")), ("WARC revisit records", summary.get("warc_revisits")),
              ("WARC bytes", human_bytes(summary["warc_bytes"]) if summary.get("warc_bytes") is not None else None),
              ("WARC files", ", ".join(map(str, summary.get("warc_files") or [])) or None)]
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in fields if v is not None)
    source = (f'<p class="muted">From the run summary <code>warc/{esc(data["summary_source"])}</code>.</p>'
              if data["summary_source"] else
              '<p class="muted">The run summary file was not found; these figures come from the crawler\'s '
              "statistics.</p>")
    return f'{status}<dl class="summary">{rows}</dl>{source}'


def _articles_section(data: dict, replay_note: str) -> str:
    articles = data["articles"]
    if not articles:
        return "<p>No article was archived in this run.</p>"
    rows = []
    for a in articles:
        title = esc(a["title"] or "(no title)")
        rows.append([
            esc(a["id"]),
            f'{title}<div class="url">{esc(a["url"])}</div>',
            esc(a["site_name"] or a["host"]) + (f'<div class="url">{esc(a["host"])}</div>' if a["site_name"] else ""),
            esc(a["language"] or ""), esc(a["published"] or ""), esc(a["revision"]), _links(a),
        ])
    return (_table(["ID", "Title", "Site", "Language", "Published", "Revision", "Links"], rows, {0, 5})
            + f'<p class="muted">{replay_note}</p>')


def _drops_section(summary: dict | None) -> str:
    dropped = (summary or {}).get("dropped") or {}
    if not dropped:
        return "<p>Nothing was dropped.</p>"
    items = sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))
    chart = bar_chart("Dropped responses by reason",
                      [(reason, [(n, "bar drop", f"{reason}: {n}")]) for reason, n in items[:MAX_CHART_ROWS]])
    return chart + _table(["Reason", "Responses"], [[esc(r), esc(n)] for r, n in items], {1})


def _errors_section(summary: dict | None) -> str:
    summary = summary or {}
    by_type = summary.get("errors_by_type") or {}
    parts = []
    if summary.get("write_error"):
        parts.append(f'<p class="status bad">Archive write error: {esc(summary["write_error"])}</p>')
    if not by_type:
        parts.append(f"<p>No errors ({esc(summary.get('errors', 0))}).</p>" if summary else "<p>Unknown.</p>")
    else:
        items = sorted(by_type.items(), key=lambda kv: (-kv[1] if isinstance(kv[1], int) else 0, kv[0]))
        parts.append(_table(["Error", "Count"], [[esc(k), esc(v)] for k, v in items], {1}))
    return "".join(parts)


def _captures_section(captures: list[dict]) -> str:
    if not captures:
        return "<p>No HTTP exchange of this run is in the catalog.</p>"
    by_site: dict[str, Counter] = defaultdict(Counter)
    size: Counter = Counter()
    kinds: dict[str, Counter] = defaultdict(Counter)
    for c in captures:
        host = url_host(c["url"])
        code = f"{c['status']} revisit" if c["record_type"] == "revisit" else str(c["status"])
        by_site[host][code] += 1
        kinds[host][status_class(c["status"], c["record_type"])] += 1
        size[host] += c["payload_length"] or 0
    sites = sorted(by_site, key=lambda h: (-sum(by_site[h].values()), h))
    order = ["2xx", "3xx", "4xx", "5xx", "other", "revisit"]
    status_rows = [(h, [(kinds[h][k], f"s{k}", f"{h}: {kinds[h][k]} × {k}") for k in order])
                   for h in sites[:MAX_CHART_ROWS]]
    legend = "".join(f'<span><i class="swatch s{k}"></i>{"revisit (unchanged payload)" if k == "revisit" else k}'
                     "</span>" for k in order if any(kinds[h][k] for h in sites))
    bytes_rows = [(h, [(size[h], "bar bytes", f"{h}: {size[h]:,} bytes")])
                  for h in sorted(sites, key=lambda h: (-size[h], h))[:MAX_CHART_ROWS]]
    more = (f'<p class="muted">The charts show the {MAX_CHART_ROWS} largest of {len(sites)} sites.</p>'
            if len(sites) > MAX_CHART_ROWS else "")
    table_rows = []
    for h in sites[:MAX_TABLE_SITES]:
        codes = ", ".join(f"{code} × {n}" for code, n in sorted(by_site[h].items()))
        table_rows.append([esc(h), esc(sum(by_site[h].values())), esc(codes), esc(human_bytes(size[h]))])
    if len(sites) > MAX_TABLE_SITES:
        table_rows.append([f"… {len(sites) - MAX_TABLE_SITES} more sites", "", "", ""])
    return (f"<h3>Status codes by site</h3><p class=\"legend\">{legend}</p>"
            + bar_chart("HTTP captures by site and status class", status_rows)
            + "<h3>Bytes received by site</h3>"
            + bar_chart("Payload bytes received by site", bytes_rows, human_bytes) + more
            + _table(["Site", "Captures", "Status codes", "Bytes"], table_rows, {1, 3}))


def _stories_section(data: dict) -> str:
    if not data["any_story"]:
        return "<p>No story clusters: no archived article has a story ID (story linking did not run).</p>"
    if not data["clusters"]:
        return "<p>No story clusters: no other archived article tells the story of an article of this run.</p>"
    parts = []
    for cluster in data["clusters"]:
        items = []
        for a in cluster["articles"]:
            similarity = (f" — similarity {a['story_similarity']:.2f}"
                          if isinstance(a.get("story_similarity"), int | float) else "")
            run = " (this run)" if a["this_run"] else f" (run {esc(a['run_id'] or 'unknown')})"
            items.append(f'<li{" class=this-run" if a["this_run"] else ""}>{esc(a["title"] or "(no title)")}'
                         f' <span class="muted">{esc(a["site_name"] or a["host"])}{run}{esc(similarity)}</span>'
                         f' {_links(a)}<div class="url">{esc(a["url"])}</div></li>')
        parts.append(f"<h3>Story {esc(cluster['story_id'])} ({len(cluster['articles'])} articles)</h3>"
                     f"<ul>{''.join(items)}</ul>")
    return "".join(parts)


def render(data: dict, *, replay_hint: str = "") -> str:
    css = CSS.strip()
    css_hash = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'sha256-{css_hash}'; base-uri 'none'; form-action 'none'"
    run_id = data["run_id"]
    replay_note = ("Replay links work while <code>scrapy replay</code> serves the archive"
                   + (f" ({esc(replay_hint)})" if replay_hint else "") + "; text links open the clean text file.")
    summary = data["summary"]
    sections = [
        ("summary", "Summary", _summary_section(data)),
        ("articles", f"Articles archived ({len(data['articles'])})", _articles_section(data, replay_note)),
        ("drops", f"Dropped ({sum((summary or {}).get('dropped', {}).values())})", _drops_section(summary)),
        ("errors", f"Errors ({(summary or {}).get('errors', 'unknown')})", _errors_section(summary)),
        ("captures", f"HTTP captures ({len(data['captures'])})", _captures_section(data["captures"])),
        ("stories", f"Story clusters ({len(data['clusters'])})", _stories_section(data)),
    ]
    nav = "".join(f'<a href="#{key}">{esc(title.split(" (")[0])}</a>' for key, title, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{esc(title)}</h2>{content}</section>' for key, title, content in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Crawl run {esc(run_id)}</title><style>{css}</style></head>\n"
        f'<body><header><p class="muted">news-archive-crawler report</p><h1>Crawl run {esc(run_id)}</h1>'
        f"<nav>{nav}</nav></header>\n<main>{body}</main>\n"
        f'<footer>Generated {esc(data["generated"])} by news-archive-crawler {esc(__version__)}.</footer>'
        "</body></html>\n"
    )


def write_report(archive_dir: str | os.PathLike, run_id: str, *, catalog_path: str | os.PathLike | None = None,
                 replay: ReplayUrl | None = None, replay_hint: str = "",
                 fallback_summary: dict | None = None) -> Path:
    """Builds ``ARCHIVE_DIR/reports/<run_id>/report.html`` (atomically) and returns its path."""
    data = collect(archive_dir, run_id, catalog_path=catalog_path, replay=replay, fallback_summary=fallback_summary)
    path = report_path(archive_dir, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(render(data, replay_hint=replay_hint), encoding="utf-8")
    os.replace(tmp, path)
    return path

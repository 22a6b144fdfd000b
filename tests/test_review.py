"""Search, filters, revisions and diffs, and the run report, on a catalog built here."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from crawler.exit_status import ExitStatus, meaning
from crawler.review import charts, diff, report, runs, search, urls
from pipelines.storage.catalog import Catalog
from pipelines.storage.fulltext import read_text
from pipelines.storage.texts import render_text

RUN = "NEWS-20240204093000-host-1"
ICE = ("The harbour authority said that the new icebreaker would keep the northern shipping lane open "
       "for the whole winter.")
BRIDGE = "Le nouveau pont sur la rivière sera ouvert au printemps, a annoncé la mairie du village."
ADDED = "Late on Tuesday the ministry added that a second icebreaker would follow in the spring."


class Archive:
    def __init__(self, root: Path):
        self.dir = root / "archive"
        self.catalog = Catalog(self.dir / "catalog.sqlite")
        self.db = search.prepare(self.catalog.db)

    def add(self, url: str, title: str, paragraphs: list[str], *, fetched_at="2024-02-04T09:30:00+00:00",
            write_file=True, **fields) -> int:
        text = render_text(title, "\n\n".join(paragraphs))
        n = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        text_path = f"text/{url.split('/')[2]}/2024/02/04/article-{n}.txt"
        if write_file:
            path = self.dir / text_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        story = {k: fields.pop(k) for k in ("story_id", "story_similarity") if k in fields}
        row = {"url": url, "title": title, "fetched_at": fetched_at, "text_path": text_path,
               "text_sha1": hashlib.sha1(text.encode()).hexdigest(), "language": "en", **fields}
        row_id = self.catalog.add_article(row)
        if story:  # set by the story linker after the row is stored
            with self.db:
                self.db.execute("UPDATE articles SET story_id = ?, story_similarity = ? WHERE id = ?",
                                (story.get("story_id"), story.get("story_similarity"), row_id))
        return row_id

    def urls(self, rows) -> list[str]:
        return [r["url"] for r in rows]


@pytest.fixture
def archive(tmp_path):
    a = Archive(tmp_path)
    a.add("https://www.harbour.example/ice", "Icebreaker to keep the lane open", [ICE, "Fishermen welcomed it."],
          published="2024-02-04T09:30:00Z", site_name="Harbour News", language="en-GB")
    a.add("https://news.example.org/bridge", "Un pont pour le village", [BRIDGE], published="2024-01-15",
          site_name="Le Courrier", language="fr", fetched_at="2024-02-05T10:00:00+00:00")
    a.add("https://news.example.org/undated", "A story without a date", ["Nothing about ships here at all."],
          fetched_at="2024-02-10T08:00:00+00:00")
    yield a
    a.catalog.close()


# --- search ---------------------------------------------------------------------------

def test_search_finds_an_article_by_a_phrase_from_its_body(archive):
    rows = search.search(archive.db, archive.dir, "new icebreaker would keep the northern")
    assert archive.urls(rows) == ["https://www.harbour.example/ice"]
    assert "[new icebreaker would keep the northern]" in rows[0]["snippet"]


def test_search_is_a_phrase_search(archive):
    assert search.search(archive.db, archive.dir, "keep would icebreaker") == []  # same words, other order
    assert search.search(archive.db, archive.dir, "icebreaker winter") == []  # not next to each other


def test_search_ignores_case_and_diacritics(archive):
    rows = search.search(archive.db, archive.dir, "RIVIERE sera OUVERT")
    assert archive.urls(rows) == ["https://news.example.org/bridge"]


@pytest.mark.parametrize("phrase", ['the "harbour', "icebreaker AND", "NEAR(a b)", "lane*", "-winter", "a:b"])
def test_search_takes_any_text_as_a_phrase(archive, phrase):
    search.search(archive.db, archive.dir, phrase)  # no FTS5 syntax error


def test_search_with_filters(archive):
    phrase = "the"
    assert archive.urls(search.search(archive.db, archive.dir, phrase, search.Filters(site="harbour.example"))) == [
        "https://www.harbour.example/ice"]  # a subdomain of the site
    assert archive.urls(search.search(archive.db, archive.dir, phrase, search.Filters(language="en"))) == [
        "https://www.harbour.example/ice"]  # en matches en-GB; the undated one has no "the"


def test_index_is_kept_in_sync_incrementally(archive):
    assert search.sync_index(archive.db, archive.dir) == 3
    assert search.sync_index(archive.db, archive.dir) == 0  # nothing new
    new = archive.add("https://news.example.org/late", "Late news", ["A zeppelin landed in the harbour."])
    assert search.sync_index(archive.db, archive.dir) == 1
    assert archive.urls(search.search(archive.db, archive.dir, "zeppelin landed")) == ["https://news.example.org/late"]
    with archive.db:
        archive.db.execute("DELETE FROM articles WHERE id = ?", (new,))
    assert search.search(archive.db, archive.dir, "zeppelin landed") == []


def test_a_missing_text_file_is_indexed_once_it_exists(archive):
    archive.add("https://news.example.org/pending", "Pending", ["A walrus visited the quay."], write_file=False)
    assert search.search(archive.db, archive.dir, "walrus visited") == []
    row = archive.db.execute("SELECT * FROM articles WHERE url LIKE '%pending'").fetchone()
    (archive.dir / row["text_path"]).write_text(render_text("Pending", "A walrus visited the quay."))
    assert archive.urls(search.search(archive.db, archive.dir, "walrus visited")) == [row["url"]]


# --- listing and filters ----------------------------------------------------------------

def test_list_is_newest_first(archive):
    assert archive.urls(search.list_articles(archive.db)) == [
        "https://news.example.org/undated", "https://news.example.org/bridge", "https://www.harbour.example/ice"]
    assert len(search.list_articles(archive.db, limit=2)) == 2


@pytest.mark.parametrize(("filters", "expected"), [
    ({"site": "harbour.example"}, ["ice"]),
    ({"site": "WWW.HARBOUR.EXAMPLE"}, ["ice"]),
    ({"site": "ample"}, []),  # a host suffix is whole labels, not a string suffix
    ({"site": "example"}, ["ice"]),  # www.harbour.example, not news.example.org
    ({"site": "arbour.example"}, []),
    ({"site": "le courrier"}, ["bridge"]),  # the site name
    ({"site": "news.example.org"}, ["undated", "bridge"]),
    ({"language": "en"}, ["undated", "ice"]),  # en matches en-GB
    ({"language": "en-gb"}, ["ice"]),
    ({"language": "fr"}, ["bridge"]),
    ({"language": "e"}, []),
    # published date; the fetch date when there is none
    ({"since": "2024-02-01"}, ["undated", "ice"]),
    ({"until": "2024-02-04"}, ["bridge", "ice"]),
    ({"since": "2024-02-04", "until": "2024-02-04"}, ["ice"]),
    ({"since": "2024-02-05T00:00:00Z"}, ["undated"]),
    ({"since": "2024-02-05", "date_field": "fetched"}, ["undated", "bridge"]),
])
def test_list_filters(archive, filters, expected):
    rows = search.list_articles(archive.db, search.Filters(**filters))
    assert [r["url"].rsplit("/", 1)[1] for r in rows] == expected


@pytest.mark.parametrize("bad", [{"since": "yesterday"}, {"until": "2024-13-01"}, {"date_field": "modified"}])
def test_bad_filters(bad):
    with pytest.raises(ValueError):
        search.Filters(**bad)


def test_like_wildcards_in_filters_are_literal(archive):
    assert search.list_articles(archive.db, search.Filters(site="%")) == []
    assert search.list_articles(archive.db, search.Filters(language="_n")) == []


# --- revisions and diff ------------------------------------------------------------------

@pytest.fixture
def revised(archive):
    url = "https://www.harbour.example/ice"
    archive.add(url, "Icebreaker to keep the lane open", [ICE, "Fishermen welcomed it.", ADDED], revision=2,
                published="2024-02-04T09:30:00Z", fetched_at="2024-02-11T09:30:00+00:00")
    return archive


def test_list_shows_the_latest_revision_of_each_url(revised):
    latest = search.list_articles(revised.db)
    assert [(r["url"].rsplit("/", 1)[1], r["revision"], r["revisions"]) for r in latest] == [
        ("ice", 2, 2), ("undated", 1, 1), ("bridge", 1, 1)]
    assert len(search.list_articles(revised.db, all_revisions=True)) == 4


def test_search_finds_the_revision_holding_the_phrase(revised):
    rows = search.search(revised.db, revised.dir, "a second icebreaker would follow")
    assert [r["revision"] for r in rows] == [2]
    assert sorted(r["revision"] for r in search.search(revised.db, revised.dir, "fishermen welcomed")) == [1, 2]


def test_revisions_diff_shows_the_change(revised):
    article = diff.find_article(revised.db, "https://www.harbour.example/ice")
    assert article["revision"] == 2  # a URL means its latest revision
    assert diff.find_article(revised.db, str(article["id"]))["id"] == article["id"]
    assert diff.find_article(revised.db, "https://nowhere.example/") is None
    assert diff.find_article(revised.db, "999") is None
    old, new = diff.revisions(revised.db, article)
    assert (old["revision"], new["revision"]) == (1, 2)
    texts = [read_text(revised.dir, r["text_path"]) for r in (old, new)]
    patch = diff.unified_diff(*texts, diff.revision_label(old), diff.revision_label(new))
    lines = patch.splitlines()
    assert lines[0].startswith("--- revision 1") and lines[1].startswith("+++ revision 2")
    assert "+" + ADDED in lines
    assert not [line for line in lines[2:] if line.startswith("-")]  # nothing removed
    assert diff.unified_diff(texts[0], texts[0], "a", "b") == ""


# --- report ----------------------------------------------------------------------------------

def replay(url, warc_date):
    return f"http://127.0.0.1:8080/news/{re.sub(r'[^0-9]', '', warc_date)[:14]}/{url}"


def write_stats(archive_dir: Path, run: str, **values) -> None:
    (archive_dir / "warc").mkdir(parents=True, exist_ok=True)
    summary = {"run": run, "spider": "article", "finish_reason": "finished", "exit_status": 0,
               "started": "2024-02-04T09:30:00+00:00", "finished": "2024-02-04T09:31:00+00:00", "fetched": 5,
               "archived": 2, "dropped": {"http_status": 2, "no_text": 1},
               "errors": 1, "errors_by_type": {"crawl/failed/TimeoutError": 1}, "warc_files": ["a.warc.gz"],
               **values}
    (archive_dir / "warc" / f"{run}.stats.json").write_text(json.dumps(summary))


@pytest.fixture
def run_archive(tmp_path):
    a = Archive(tmp_path)
    hostile = "<script>alert('x')</script> Harbour <b>strike</b> & \"pay\""
    a.add("https://www.harbour.example/ice", "Icebreaker to keep the lane open", [ICE], run_id=RUN, story_id=1,
          response_record_id="<urn:uuid:1>")
    a.add("https://wire.example/ice", "Icebreaker keeps the lane open (wire)", [ICE], run_id="OLDER-RUN",
          story_id=1, story_similarity=0.87)
    a.add("https://www.harbour.example/strike", hostile, ["Port workers went on strike over pay on Monday."],
          run_id=RUN, story_id=3, site_name="<i>Harbour</i>")
    captures = [("https://www.harbour.example/ice", 200, "response", 5000),
                ("https://www.harbour.example/strike", 200, "response", 3000),
                ("https://www.harbour.example/missing", 404, "response", 100),
                ("https://www.harbour.example/moved", 301, "response", 0),
                ("https://other.example/x", 500, "response", 50),
                ("https://other.example/y", 200, "revisit", 7000)]
    for i, (url, status, kind, size) in enumerate(captures):
        a.catalog.add_capture({"url": url, "fetched_at": "2024-02-04T09:30:01Z", "status": status,
                               "record_type": kind, "record_id": f"<urn:uuid:{i + 1}>", "warc_file": "a.warc.gz",
                               "warc_offset": i * 100, "payload_length": size, "run_id": RUN})
    a.catalog.add_capture({"url": "https://elsewhere.example/", "fetched_at": "2024-01-01T00:00:00Z", "status": 200,
                           "record_type": "response", "record_id": "<urn:uuid:99>", "warc_file": "b.warc.gz",
                           "warc_offset": 0, "payload_length": 1, "run_id": "OLDER-RUN"})
    write_stats(a.dir, RUN)
    yield a, hostile
    a.catalog.close()


def test_report_escapes_everything_from_pages(run_archive):
    a, hostile = run_archive
    page = report.write_report(a.dir, RUN, replay=replay).read_text()
    assert "<script" not in page.lower() and "<i>Harbour" not in page and "<b>strike" not in page
    assert report.esc(hostile) in page  # &lt;script&gt;... shown as text
    assert "&lt;i&gt;Harbour&lt;/i&gt;" in page


def test_report_escapes_a_script_title_and_a_url_with_quotes(tmp_path):
    a = Archive(tmp_path)
    url = "https://quotes.example/say-\"hi\"-it's?a=<b>&c=1"
    a.add(url, "<script>alert(1)</script>", [ICE], run_id=RUN, site_name="Q\"s")
    write_stats(a.dir, RUN, write_error="<img src=x onerror=alert(1)>")
    page = report.write_report(a.dir, RUN, replay=replay).read_text()
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'say-"hi"' not in page and "it's?" not in page and "a=<b>" not in page
    escaped = "https://quotes.example/say-&#34;hi&#34;-it&#39;s?a=&lt;b&gt;&amp;c=1"
    assert f'<div class="url">{escaped}</div>' in page
    assert f'<a href="http://127.0.0.1:8080/news/20240204093000/{escaped}" rel="noreferrer">replay</a>' in page
    assert "Q&#34;s" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert report.esc(url) == escaped


def test_report_content_security_policy_allows_only_its_own_style(run_archive):
    a, _ = run_archive
    page = report.write_report(a.dir, RUN).read_text()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert csp.startswith("default-src &#x27;none&#x27;;")
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src &#x27;sha256-{digest}&#x27;" in csp
    assert not re.search(r"\s(src|style|on\w+)=", page)  # nothing to load, no style attribute, no handler


def test_report_links_to_text_and_replay(run_archive):
    a, _ = run_archive
    path = report.write_report(a.dir, RUN, replay=replay)
    page = path.read_text()
    hrefs = re.findall(r'<a href="([^"#][^"]*)"', page)
    texts = [h for h in hrefs if not h.startswith("http")]
    assert texts and all((path.parent / unquote(h)).resolve().is_file() for h in texts)
    assert all(((path.parent / unquote(h)).resolve()).is_relative_to((a.dir / "text").resolve()) for h in texts)
    assert "http://127.0.0.1:8080/news/20240204093001/https://www.harbour.example/ice" in page  # the WARC-Date
    assert "http://127.0.0.1:8080/news/20240204093000/https://www.harbour.example/strike" in page  # fetched_at


def test_report_summary_drops_errors_and_charts(run_archive):
    a, _ = run_archive
    page = report.write_report(a.dir, RUN).read_text()
    assert "Exit status 0: finished" in page and f"warc/{RUN}.stats.json" in page
    assert "http_status" in page and "no_text" in page
    assert "crawl/failed/TimeoutError" in page
    assert page.count('<svg class="chart"') == 3  # drops, status codes by site, bytes by site
    assert "200 × 2, 301 × 1, 404 × 1" in page  # www.harbour.example
    assert "200 revisit × 1, 500 × 1" in page  # other.example
    assert "elsewhere.example" not in page  # another run's capture
    assert "8.1 KB" in page  # www.harbour.example: 5000 + 3000 + 100 bytes


def test_report_story_clusters(run_archive):
    a, hostile = run_archive
    page = report.write_report(a.dir, RUN).read_text()
    section = page[page.index('id="stories"'):]
    assert "Story 1 (2 articles)" in section
    assert "Icebreaker keeps the lane open (wire)" in section and "(run OLDER-RUN)" in section
    assert "similarity 0.87" in section
    assert "Story 3" not in section  # told by one article only: not a cluster


def test_report_without_story_ids_says_so(tmp_path):
    a = Archive(tmp_path)
    a.add("https://www.harbour.example/ice", "Icebreaker", [ICE], run_id=RUN)
    write_stats(a.dir, RUN)
    page = report.write_report(a.dir, RUN).read_text()
    assert "No story clusters" in page and "Story clusters (0)" in page


def test_report_without_a_run_summary(tmp_path):
    a = Archive(tmp_path)
    a.add("https://www.harbour.example/ice", "Icebreaker", [ICE], run_id=RUN)
    page = report.write_report(a.dir, RUN).read_text()
    assert "No run summary" in page and "Icebreaker" in page
    fallback = report.write_report(a.dir, RUN, fallback_summary={"exit_status": 3, "finish_reason": "shutdown"})
    page = fallback.read_text()
    assert "Exit status 3: did not finish" in page and "figures come from the crawler" in page


def test_report_of_an_empty_archive(tmp_path):
    write_stats(tmp_path, RUN, archived=0, dropped={}, errors=0, errors_by_type={})
    page = report.write_report(tmp_path, RUN).read_text()
    assert "No article was archived in this run." in page and "Nothing was dropped." in page
    assert not (tmp_path / "catalog.sqlite").exists()


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden", "run id"])
def test_report_refuses_odd_run_ids(tmp_path, bad):
    with pytest.raises(ValueError):
        runs.report_path(tmp_path, bad)


def test_runs_newest_first_and_unreadable_summaries(tmp_path):
    write_stats(tmp_path, "RUN-B", started="2024-02-05T00:00:00+00:00")
    write_stats(tmp_path, "RUN-A", started="2024-02-04T00:00:00+00:00")
    write_stats(tmp_path, "RUN-C", started="2024-02-06T00:00:00+00:00")
    (tmp_path / "warc" / "RUN-D.stats.json").write_text("{not json")
    listed, bad = runs.load_runs(tmp_path)
    assert [r["run"] for r in listed] == ["RUN-C", "RUN-B", "RUN-A"]
    assert [p.name for p, _ in bad] == ["RUN-D.stats.json"]
    assert runs.run_known(tmp_path, "RUN-A") and not runs.run_known(tmp_path, "RUN-E")


def test_report_reads_the_catalog_it_is_given(tmp_path):
    elsewhere = Archive(tmp_path / "other")  # CATALOG_PATH outside the archive's default catalog.sqlite
    elsewhere.add("https://www.harbour.example/ice", "Icebreaker from the given catalog", [ICE], run_id=RUN)
    archive_dir = tmp_path / "archive"
    page = report.write_report(archive_dir, RUN, catalog_path=elsewhere.catalog.path).read_text()
    assert "Icebreaker from the given catalog" in page and "Articles archived (1)" in page
    assert not (archive_dir / "catalog.sqlite").exists()
    assert runs.run_known(archive_dir, RUN, elsewhere.catalog.path) and not runs.run_known(archive_dir, RUN)


@pytest.mark.parametrize("code", list(ExitStatus))
def test_report_says_what_the_exit_status_means(tmp_path, code):
    write_stats(tmp_path, RUN, exit_status=int(code))
    page = report.write_report(tmp_path, RUN).read_text()
    status = "ok" if code == 0 else "bad"
    assert f'<p class="status {status}">Exit status {int(code)}: {report.esc(meaning(code))}</p>' in page


def test_report_charts_more_sites_than_it_draws(tmp_path):
    a = Archive(tmp_path)
    for i in range(30):
        a.catalog.add_capture({"url": f"https://site-{i:02}.example/", "fetched_at": "2024-02-04T09:30:01Z",
                               "status": 200, "record_type": "response", "record_id": f"<urn:uuid:{i}>",
                               "warc_file": "a.warc.gz", "warc_offset": 0, "payload_length": 100 + i, "run_id": RUN})
    write_stats(a.dir, RUN)
    page = report.write_report(a.dir, RUN).read_text()
    assert "The charts show the 25 largest of 30 sites." in page and "HTTP captures (30)" in page
    section = page[page.index('id="captures"'):page.index('id="stories"')]
    assert section.count("<td>site-") == 30  # every site in the table


def test_bar_chart_geometry():
    chart = charts.bar_chart("Chart", [("a" * 40, [(30, "x", "tip a"), (0, "y", "none"), (10, "z", "tip b")]),
                                       ("b", [(0.001, "x", "tiny")])])
    assert (chart.width, chart.height) == (710, 2 * 24 + 8)
    first, second = chart.rows
    assert first.shown == "a" * 29 + "…" and first.label == "a" * 40
    assert [(s.css, s.x, s.width) for s in first.segments] == [("x", 200, 300.0), ("z", 500.0, 100.0)]
    assert first.total == "40" and first.total_x == 606.0  # the longest bar takes the whole track
    assert [s.width for s in second.segments] == [1.0]  # never thinner than one unit
    assert charts.bar_chart("Empty", []).rows == ()


def test_one_url_host_for_search_and_report():
    assert search.url_host is urls.url_host
    assert urls.url_host("https://WWW.Example.org:8080/a") == "www.example.org"
    assert urls.url_host("not a url") == "" and urls.url_host(None) == "" and urls.url_host("http://[::1/") == ""

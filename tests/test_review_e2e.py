"""`scrapy review` on the archive of real crawls of the local news site, and the
report each run writes when it ends."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess

import pytest

from tests.conftest import REPO, keep_archive, run_crawl, scrapy_command
from tests.localsite import PARAGRAPHS, Route, article_html
from tests.newssite import HTML, STORIES, news_site, story

pytestmark = pytest.mark.e2e

ADDED = "Late on Tuesday the harbour master added that a second icebreaker would follow in the spring."
# A phrase of story 4 only (each story's paragraphs start with "In story N, ...").
PHRASE = "In story 4, officials told reporters"


def review(archive, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(scrapy_command("review", "-s", f"ARCHIVE_DIR={archive}", *args), cwd=REPO,
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    if check:
        assert result.returncode == 0, result.stderr[-2000:]
    return result


def new_run(archive, before: set[str]) -> str:
    (run,) = {p.name[: -len(".stats.json")] for p in (archive / "warc").glob("*.stats.json")} - before
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    site = news_site().start()
    archive = tmp_path_factory.mktemp("review") / "archive"
    urls = "urls=" + ",".join(site.url(p) for p in STORIES)
    missing = "urls=" + site.url("/2024/02/09/gone")
    ids: list[str] = []
    try:
        results = [run_crawl(archive, urls)]
        ids.append(new_run(archive, set()))
        # story 3 gets a new paragraph: a new revision on the next crawl
        paragraphs = [f"In story 3, {p[0].lower()}{p[1:]}" for p in PARAGRAPHS] + [ADDED]
        site.routes[story(3)] = Route(headers=[("Content-Type", HTML)],
                                      body=article_html(STORIES[story(3)], paragraphs).encode())
        results.append(run_crawl(archive, urls, extra=("-s", "RECRAWL_AFTER=0")))
        ids.append(new_run(archive, set(ids)))
        results.append(run_crawl(archive, missing))  # nothing archived: exit status 4
        ids.append(new_run(archive, set(ids)))
        results.append(run_crawl(archive, missing, extra=("-s", "ARCHIVE_REPORT=False")))
        ids.append(new_run(archive, set(ids)))
    finally:
        site.stop()
    keep_archive(archive)
    return {"archive": archive, "site": site, "results": results, "ids": ids}


def test_crawls_exit_as_expected(runs):
    assert [r.returncode for r in runs["results"]] == [0, 0, 4, 4], runs["results"][-1].stderr[-2000:]


def test_search_finds_the_article_by_a_phrase_from_its_body(runs):
    out = review(runs["archive"], "--search", PHRASE).stdout
    urls = re.findall(r"^\s+(http://\S+)$", out, re.M)
    assert urls == [runs["site"].url(story(4))]
    assert f"[{PHRASE.lower()}" in out.lower()  # the snippet marks the match
    assert '1 article revision holds "In story 4, officials told reporters"' in out


def test_search_with_filters(runs):
    archive = runs["archive"]
    found = review(archive, "--search", PHRASE, "--site", "127.0.0.1", "--language", "en").stdout
    assert runs["site"].url(story(4)) in found
    for args in (["--language", "fr"], ["--site", "elsewhere.example"], ["--since", "2030-01-01"]):
        out = review(archive, "--search", PHRASE, *args).stdout
        assert out.startswith("No article holds"), out


def test_search_finds_only_the_revision_with_the_added_line(runs):
    out = review(runs["archive"], "--search", "second icebreaker would follow").stdout
    assert re.findall(r"^\s+(http://\S+)$", out, re.M) == [runs["site"].url(story(3))]
    assert "(revision 2)" in out


def test_list_is_newest_first_with_one_line_per_article(runs):
    out = review(runs["archive"]).stdout
    urls = re.findall(r"^\s+(http://\S+)$", out, re.M)
    assert urls[0] == runs["site"].url(story(3))  # revision 2, fetched last
    assert sorted(urls) == sorted(runs["site"].url(p) for p in STORIES)
    assert "6 articles, newest first." in out
    every = review(runs["archive"], "--all-revisions").stdout
    assert "7 revisions, newest first." in every


def test_show_prints_the_diff_between_revisions_and_the_snapshot(runs):
    archive, url = runs["archive"], runs["site"].url(story(3))
    out = review(archive, "--show", url).stdout
    db = sqlite3.connect(archive / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    latest = db.execute("SELECT * FROM articles WHERE url = ? ORDER BY revision DESC", (url,)).fetchone()
    capture = db.execute("SELECT * FROM captures WHERE record_id = ?", (latest["response_record_id"],)).fetchone()
    assert out.startswith(f"Article {latest['id']}: revision 2 of 2")
    assert "Changes from revision 1 to revision 2:" in out
    diff = out.split("Changes from revision 1 to revision 2:", 1)[1].splitlines()
    assert diff[1].startswith("--- revision 1") and diff[2].startswith("+++ revision 2")
    assert "+" + ADDED in diff  # (what else changes depends on what extraction learns between runs)
    assert f"WARC file:      {archive / 'warc' / latest['warc_file']}" in out
    assert f"Offset:         {latest['warc_offset']}" in out
    assert f"Record ID:      {latest['response_record_id']}" in out
    stamp = re.sub(r"\D", "", capture["fetched_at"])[:14]
    assert f"Replay URL:     http://127.0.0.1:8080/news/{stamp}/{url}" in out
    # the same article by its ID; its first revision by the first revision's ID
    assert review(archive, "--show", str(latest["id"])).stdout == out
    first = db.execute("SELECT id FROM articles WHERE url = ? AND revision = 1", (url,)).fetchone()[0]
    assert review(archive, "--show", str(first)).stdout.startswith(f"Article {first}: revision 1 of 2")


@pytest.mark.parametrize("key", ["999999", "http://127.0.0.1:1/never-archived"])
def test_show_unknown_article_is_a_usage_error(runs, key):
    result = review(runs["archive"], "--show", key, check=False)
    assert result.returncode == 2
    assert f"no article with ID or URL {key}" in result.stderr


def test_runs_are_listed_newest_first_with_their_summaries(runs):
    out = review(runs["archive"], "--runs").stdout
    lines = [line for line in out.splitlines() if line.startswith("NEWS-")]
    assert [line.split()[0] for line in lines] == runs["ids"][::-1]
    assert [re.search(r"exit (\d+)", line).group(1) for line in lines] == ["4", "4", "0", "0"]
    assert "archived 6 (new revisions 0)" in lines[-1] and "archived 1 (new revisions 1)" in lines[-2]
    assert [line.endswith("[report]") for line in lines] == [False, True, True, True]


def test_each_run_writes_its_report_with_its_own_exit_status(runs):
    archive = runs["archive"]
    for run, code in zip(runs["ids"][:3], [0, 0, 4], strict=True):
        page = (archive / "reports" / run / "report.html").read_text()
        summary = json.loads((archive / "warc" / f"{run}.stats.json").read_text())
        assert summary["exit_status"] == code
        assert f"Exit status {code}:" in page
        # written after RunSummary: its stats.json is the source, with the final WARC file names
        assert f"From the run summary <code>warc/{run}.stats.json</code>" in page
        assert all(name.endswith(".warc.gz") and name in page for name in summary["warc_files"])
    first = (archive / "reports" / runs["ids"][0] / "report.html").read_text()
    assert "Articles archived (6)" in first
    second = (archive / "reports" / runs["ids"][1] / "report.html").read_text()
    assert "Articles archived (1)" in second and STORIES[story(3)] in second
    assert not (archive / "reports" / runs["ids"][3]).exists()  # ARCHIVE_REPORT=False


def test_report_is_rebuilt_on_demand_without_crawling(runs):
    archive, run = runs["archive"], runs["ids"][3]
    before = sorted(p.name for p in (archive / "warc").iterdir())
    requests = len(runs["site"].requests)
    out = review(archive, "--report", run).stdout.strip()
    assert out == str(archive / "reports" / run / "report.html")
    assert "Exit status 4:" in (archive / "reports" / run / "report.html").read_text()
    assert review(archive, "--report", "latest").stdout.strip() == out
    assert sorted(p.name for p in (archive / "warc").iterdir()) == before  # no new run, WARC or summary
    assert len(runs["site"].requests) == requests
    unknown = review(archive, "--report", "NEWS-19990101000000-nowhere-1", check=False)
    assert unknown.returncode == 2 and "unknown run" in unknown.stderr


def test_review_of_a_missing_archive(tmp_path):
    archive = tmp_path / "nothing-here"
    assert "No archive yet" in review(archive).stdout
    assert "No archive yet" in review(archive, "--search", "anything").stdout
    assert "No runs yet" in review(archive, "--runs").stdout
    shown = review(archive, "--show", "1", check=False)
    assert shown.returncode == 2 and "No archive yet" in shown.stderr
    assert review(archive, "--report", "latest", check=False).returncode == 2
    assert not archive.exists()  # reviewing creates nothing


def test_bad_review_arguments(tmp_path):
    for args, message in [(["--since", "soon"], "not a date"), (["--limit", "-1"], "--limit"),
                          (["some", "words"], "unexpected arguments"),
                          (["--runs", "--search", "x"], "not allowed with")]:
        result = review(tmp_path, *args, check=False)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)

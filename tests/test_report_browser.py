"""The run report, as a real browser renders it: headless Chromium (the OS package)
driven over the DevTools protocol (``--remote-debugging-pipe``: no port, no extra
Python package). The checks read what the page shows (``innerText``, laid-out
chart bars), the console and every request the page attempted."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser import Browser, chromium
from tests.conftest import keep_archive, run_crawl
from tests.localsite import PARAGRAPHS, Route, article_html
from tests.newssite import HTML, STORIES, news_site

pytestmark = pytest.mark.e2e

HOSTILE_PATH = "/2024/02/07/dispute"
# As the page's <title> says it (escaped in the HTML): the title the catalog keeps holds a real <script> tag.
HOSTILE_TITLE = "Harbour <script>document.title='pwned'</script> dispute"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    site = news_site()
    site.routes[HOSTILE_PATH] = Route(headers=[("Content-Type", HTML)], body=article_html(
        "Harbour &lt;script&gt;document.title='pwned'&lt;/script&gt; dispute",
        [f"In the dispute, {p[0].lower()}{p[1:]}" for p in PARAGRAPHS]).encode())
    site.start()
    archive = tmp_path_factory.mktemp("report-browser") / "archive"
    paths = [*STORIES, HOSTILE_PATH, "/2024/02/08/gone", "/about"]  # a 404 and a page without an article
    try:
        # the captures counted below are the pages' own (their requisites have tests of their own)
        result = run_crawl(archive, "urls=" + ",".join(site.url(p) for p in paths),
                           extra=("-s", "ARCHIVE_REQUISITES=False"))
    finally:
        site.stop()
    keep_archive(archive)
    assert result.returncode == 0, result.stderr[-3000:]
    (stats,) = (archive / "warc").glob("*.stats.json")
    run = stats.name[: -len(".stats.json")]
    return {"archive": archive, "run": run, "summary": json.loads(stats.read_text()), "site": site,
            "report": archive / "reports" / run / "report.html"}


@pytest.fixture(scope="module")
def rendered(crawled, tmp_path_factory):
    binary = chromium()
    tmp = tmp_path_factory.mktemp("chromium")
    browser = Browser(binary, tmp / "profile", tmp / "chromium.log")
    url = crawled["report"].as_uri()
    try:
        browser.open_page()
        browser.call("Page.navigate", {"url": url})
        browser.wait_for("Page.loadEventFired")
        page = {
            "url": url,
            "text": browser.evaluate("document.body.innerText"),
            "title": browser.evaluate("document.title"),
            "scripts": browser.evaluate("document.scripts.length"),
            "bars": browser.evaluate(
                "Array.from(document.querySelectorAll('#captures svg rect:not(.track)'))"
                ".map(r => r.getBoundingClientRect().width)"),
            "drop_bars": browser.evaluate(
                "Array.from(document.querySelectorAll('#drops svg rect:not(.track)'))"
                ".map(r => r.getBoundingClientRect().width)"),
            "links": browser.evaluate("Array.from(document.links).map(a => [a.textContent, a.href])"),
            "styled": browser.evaluate("getComputedStyle(document.querySelector('th')).fontWeight"),
            "events": list(browser.events),
        }
    finally:
        browser.close()
    return page


def test_report_is_written_when_the_crawl_ends(crawled):
    assert crawled["report"].is_file()


def test_page_shows_the_run_its_articles_drops_and_captures(crawled, rendered):
    text, summary = rendered["text"], crawled["summary"]
    assert f"Crawl run {crawled['run']}" in text
    assert f"Exit status {summary['exit_status']}: finished, no threshold crossed" in text
    assert f"Articles archived ({summary['archived']})" in text and summary["archived"] == len(STORIES) + 1
    for title in STORIES.values():
        assert title in text
    assert HOSTILE_TITLE in text  # shown as text, never run
    assert "http_status\t1" in text and "no_text\t1" in text  # drops by reason (table cells)
    assert "No errors (0)." in text
    assert f"127.0.0.1\t{summary['fetched']}\t200 × {summary['fetched'] - 1}, 404 × 1" in text
    assert "Story clusters" in text


def test_page_runs_nothing_from_the_crawled_pages(crawled, rendered):
    assert rendered["scripts"] == 0
    assert rendered["title"] == f"Crawl run {crawled['run']}"  # the hostile title's script did not run


def test_no_console_error_and_no_request_but_the_report(rendered):
    events = rendered["events"]
    problems = [e["params"] for e in events if e.get("method") in ("Runtime.exceptionThrown",
                                                                  "Runtime.consoleAPICalled")]
    problems += [e["params"]["entry"] for e in events if e.get("method") == "Log.entryAdded"
                 and e["params"]["entry"]["level"] in ("error", "warning")]
    assert problems == []  # a Content-Security-Policy violation would be logged here
    requested = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    assert requested == [rendered["url"]]
    blocked = [e["params"] for e in events if e.get("method") == "Network.loadingFailed"]
    assert blocked == []
    assert rendered["styled"] in ("600", "700")  # the inline stylesheet applied (its CSP hash matches)


def test_charts_are_drawn(rendered):
    assert len(rendered["bars"]) >= 2 and all(w > 0 for w in rendered["bars"])  # 2xx and 4xx, bytes
    assert len(rendered["drop_bars"]) == 2 and all(w > 0 for w in rendered["drop_bars"])


def test_links_to_text_files_and_replay(crawled, rendered):
    archive = crawled["archive"].resolve()
    text_links = [href for label, href in rendered["links"] if label == "text"]
    replay_links = [href for label, href in rendered["links"] if label == "replay"]
    assert len(text_links) >= len(STORIES) + 1 and len(replay_links) == len(text_links)
    for href in text_links:
        path = Path(unquote(urlsplit(href).path))
        assert path.is_file() and path.is_relative_to(archive / "text"), href
    hostile_text = next(Path(unquote(urlsplit(h).path)) for h in text_links
                        if HOSTILE_TITLE in Path(unquote(urlsplit(h).path)).read_text())
    assert hostile_text.read_text().startswith(HOSTILE_TITLE)
    assert all(h.startswith("http://127.0.0.1:8080/news/") for h in replay_links)
    assert any(h.endswith(crawled["site"].url(HOSTILE_PATH)) for h in replay_links)

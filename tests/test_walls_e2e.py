"""Bot challenges, consent-only pages and paywall stubs in a real crawl: archived, no article row,
counted by reason and by host (run summary and report), a WARNING with the URL, and fetched again
on the next run while the real article beside them is not."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import keep_archive, run_crawl, run_stats
from tests.localsite import PARAGRAPHS, LocalSite, Route, article_html
from tests.wallpages import DATA, stub_html

pytestmark = pytest.mark.e2e

HTML = [("Content-Type", "text/html; charset=utf-8")]
WALLS = {
    "/wall/cloudflare": Route(403, "Forbidden", [*HTML, ("cf-mitigated", "challenge"), ("Server", "cloudflare")],
                              (DATA / "cloudflare_challenge.html").read_bytes()),
    "/wall/akamai": Route(403, "Forbidden", [*HTML, ("Server", "AkamaiGHost")],
                          (DATA / "akamai_denied.html").read_bytes()),
    "/wall/datadome": Route(403, "Forbidden", [*HTML, ("X-DataDome", "protected")],
                            (DATA / "datadome_captcha.html").read_bytes()),
    "/wall/consent": Route(200, "OK", HTML, (DATA / "yahoo_consent.html").read_bytes()),
    "/wall/paywall": Route(200, "OK", HTML, stub_html(wordCount=900, isAccessibleForFree=False).encode()),
}


def test_walls_are_archived_counted_by_host_and_fetched_again_next_run(tmp_path):
    site = LocalSite()
    site.routes.update(WALLS)
    site.routes["/news/real"] = Route(headers=HTML, body=article_html("A real story", PARAGRAPHS * 2).encode())
    site.start()
    archive = tmp_path / "archive"
    urls = ",".join(site.url(path) for path in [*WALLS, "/news/real"])
    try:
        first = run_crawl(archive, f"urls={urls}")
        second = run_crawl(archive, f"urls={urls}")
        requested = site.paths_requested()
    finally:
        site.stop()
    keep_archive(archive)
    assert first.returncode == 0, first.stderr[-3000:]
    stats = run_stats(archive, run=0)
    assert {k: v for k, v in stats.items() if k.startswith("extract/dropped/")} == {
        "extract/dropped/challenge": 3, "extract/dropped/consent": 1, "extract/dropped/paywall": 1}
    assert stats["store/articles"] == 1
    for path in WALLS:  # a WARNING naming the URL
        assert f"fetched again next run: {site.url(path)}" in first.stderr
    summary = json.loads(sorted((archive / "warc").glob("*.stats.json"))[0].read_text())
    assert summary["blocked_hosts"] == {"127.0.0.1": {"challenge": 3, "consent": 1, "paywall": 1}}
    assert summary["exit_status"] == 0
    report = (archive / "reports" / summary["run"] / "report.html").read_text()
    assert "Hosts needing attention (3)" in report and "paywall stub instead of the article" in report

    db = sqlite3.connect(archive / "catalog.sqlite")
    articles = [row[0] for row in db.execute("SELECT url FROM articles")]
    captured = {row[0] for row in db.execute("SELECT url FROM captures WHERE record_type = 'response' AND run_id = ?",
                                             (summary["run"],))}
    blocked = sorted(row[0] for row in db.execute("SELECT reason FROM blocked_captures"))
    db.close()
    assert articles == [site.url("/news/real")]  # no row for a wall ...
    assert {site.url(path) for path in WALLS} <= captured  # ... but each is in the WARC
    assert blocked == ["challenge"] * 6 + ["consent"] * 2 + ["paywall"] * 2  # both runs

    # the next run fetches every wall again, not the article archived a moment ago; nothing but
    # walls came, so nothing was archived: exit status 4 says the crawler is being kept out
    assert second.returncode == 4, second.stderr[-3000:]
    again = run_stats(archive)
    assert again["archive/skipped_recent"] == 1 and again["extract/dropped/paywall"] == 1
    for path in WALLS:
        assert requested.count(path) == 2, path
    assert requested.count("/news/real") == 1

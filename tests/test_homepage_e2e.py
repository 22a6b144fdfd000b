"""Discovery from what users type: a site's home page. The sitemap spider reads robots.txt's
Sitemap: lines, else tries the conventional places; the feed spider reads <link rel="alternate">,
else tries the conventional feed paths; a site where nothing is found fails the run (exit status 9)
with a WARNING. And hosts that cannot be resolved or refuse connections are reported as such."""

from __future__ import annotations

import json

import pytest

from tests.conftest import keep_archive, run_crawl, run_stats
from tests.localsite import LocalSite, Route
from tests.newssite import news_site, page, story
from tests.waiting import free_port

pytestmark = pytest.mark.e2e

HTML = "text/html; charset=utf-8"


def summary_of(archive) -> dict:
    return json.loads(sorted((archive / "warc").glob("*.stats.json"))[-1].read_text())


def without_sitemap_lines() -> LocalSite:
    """The news site, but robots.txt names no sitemap (its news sitemap is at /news-sitemap.xml), and
    the home page announces no feed (the feed is at /rss.xml)."""
    site = news_site()
    routes = site.routes
    routes["/robots.txt"] = Route(headers=[("Content-Type", "text/plain")],
                                  body=b"User-agent: *\nDisallow: /private/\n")
    routes["/news-sitemap.xml"] = routes.pop("/sitemaps/news.xml")
    routes["/rss.xml"] = routes.pop("/feeds/rss.xml")
    routes["/"] = Route(headers=[("Content-Type", HTML)], body=page("Harbour News", [story(1)]))
    return site


def test_sitemaps_and_feeds_are_found_from_home_pages(tmp_path):
    named, unnamed = news_site().start(), without_sitemap_lines().start()
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sites.named]\nsitemaps = ["{named.url("/")}"]\n\n'
                       f'[sites.unnamed]\nsitemaps = ["{unnamed.url("/")}"]\nfeeds = ["{unnamed.url("/")}"]\n')
    archive = tmp_path / "archive"
    try:
        result = run_crawl(archive, f"config={sources}", spider="sources")
    finally:
        named.stop(), unnamed.stop()
    keep_archive(archive)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = run_stats(archive)
    # named: robots.txt's Sitemap: line, its index, a news and a gzip sitemap; no conventional place asked
    assert {story(n) for n in (1, 2, 3, 4)} <= set(named.paths_requested())
    assert not {"/sitemap.xml", "/feed"} & set(named.paths_requested())
    # unnamed: every conventional place tried, the news sitemap and the RSS feed found there
    asked = unnamed.paths_requested()
    for path in ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap-news.xml",
                 "/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml"):
        assert asked.count(path) == 1, path
    assert {story(1), story(2), story(5)} <= set(asked)
    assert stats["store/articles"] == 4 + 3
    assert summary_of(archive)["undiscovered"] == {}
    assert "discovery/sitemap/errors" not in stats  # the 404s of the places tried are no errors


def test_a_site_without_sitemap_or_feed_says_so_and_fails_the_run(tmp_path):
    site = LocalSite()
    site.routes["/"] = Route(headers=[("Content-Type", HTML)], body=page("A site with nothing", ["/news/plain"]))
    site.start()
    archive = tmp_path / "archive"
    try:
        result = run_crawl(archive, f"urls={site.url('/')}", spider="sitemap")
        feeds = run_crawl(tmp_path / "feeds", f"urls={site.url('/')}", spider="feed")
    finally:
        site.stop()
    assert result.returncode == 9, result.stderr[-3000:]
    assert f"No sitemap found for {site.url('/')}: robots.txt names none" in result.stderr
    assert run_stats(archive)["discovery/not_found/sitemap/127.0.0.1"] == 1
    assert summary_of(archive)["undiscovered"] == {"127.0.0.1": {"sitemap": 1}}
    assert feeds.returncode == 9, feeds.stderr[-3000:]
    assert f"No feed found for {site.url('/')}: the page announces none" in feeds.stderr
    report = (archive / "reports" / summary_of(archive)["run"] / "report.html").read_text()
    assert "no sitemap found from the home page" in report


def test_unresolvable_and_refusing_hosts_are_reported_as_such(tmp_path, site):
    refused = f"http://127.0.0.1:{free_port()}/story"
    unknown = "http://news.example.invalid/story"
    archive = tmp_path / "archive"
    result = run_crawl(archive, f"urls={site.url('/news/plain')},{unknown},{refused}")
    assert result.returncode == 8, result.stderr[-3000:]
    assert f"Could not fetch {unknown}: the host news.example.invalid cannot be resolved" in result.stderr
    assert f"Could not fetch {refused}: the host {refused.split('/')[2]} refuses connections" in result.stderr
    assert "Forbidden by robots.txt" not in result.stderr
    stats = run_stats(archive)
    assert stats["crawl/failed/CannotResolveHostError"] == 1
    assert stats["crawl/failed/DownloadConnectionRefusedError"] == 1
    assert stats["store/articles"] == 1
    summary = summary_of(archive)
    assert summary["unreachable_hosts"] == {"news.example.invalid": {"CannotResolveHostError": 1},
                                            refused.split("/")[2]: {"DownloadConnectionRefusedError": 1}}
    report = (archive / "reports" / summary["run"] / "report.html").read_text()
    assert "news.example.invalid" in report and "cannot be resolved (DNS)" in report
    assert "Exit status 8" in report

"""Each discovery spider finds exactly the expected articles on a local news site."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import keep_archive, run_crawl
from tests.newssite import news_site, story

pytestmark = pytest.mark.e2e


@pytest.fixture
def site():
    local = news_site().start()
    yield local
    local.stop()


def archived(archive) -> dict[str, sqlite3.Row]:
    db = sqlite3.connect(archive / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    return {urlsplit(r["url"]).path: r for r in db.execute("SELECT * FROM articles")}


def crawl(tmp_path, spider, *args, name="archive", extra=()):
    archive = tmp_path / name
    result = run_crawl(archive, *args, spider=spider, extra=extra)
    assert result.returncode == 0, result.stderr[-3000:]
    keep_archive(archive)
    return archive


def stories(*numbers):
    return sorted(story(n) for n in numbers)


def test_sitemap_from_robots_txt(tmp_path, site):
    archive = crawl(tmp_path, "sitemap", f"urls={site.url('/robots.txt')}")
    rows = archived(archive)
    assert sorted(rows) == stories(1, 2, 3, 4)  # the entry on another host is not fetched
    news = rows[story(1)]
    assert news["source_title"] == "Story number 1 (news sitemap title)"
    assert news["source_published"] == "2024-02-04T09:30:00Z" and news["source_language"] == "en"
    assert news["discovered_via"] == "sitemap"
    assert news["title"] == "Story number 1 from the harbour"  # the page's own title comes first
    assert "/private/members" not in site.paths_requested()


def test_sitemap_since(tmp_path, site):
    archive = crawl(tmp_path, "sitemap", f"urls={site.url('/sitemap-index.xml')}", "since=2024-02-01")
    assert sorted(archived(archive)) == stories(1, 2, 4)
    assert story(3) not in site.paths_requested()


def test_second_run_archives_nothing_new_and_stores_no_payload_twice(tmp_path, site):
    archive = crawl(tmp_path, "sitemap", f"urls={site.url('/robots.txt')}")
    first = len(site.requests)
    crawl(tmp_path, "sitemap", f"urls={site.url('/robots.txt')}")
    again = [r.path for r in site.requests[first:]]
    assert not [p for p in again if p.startswith("/2024/")]  # no article fetched twice
    assert "/sitemaps/news.xml" in again  # discovery itself runs every time
    assert sorted(archived(archive)) == stories(1, 2, 3, 4)
    digests = []
    for path in (archive / "warc").glob("*.warc.gz"):
        with path.open("rb") as stream:
            digests += [r.rec_headers["WARC-Payload-Digest"] for r in ArchiveIterator(stream)
                        if r.rec_type == "response" and r.http_headers.get_statuscode() == "200"]
    assert digests and len(digests) == len(set(digests))


def test_feed_autodiscovery_from_front_page(tmp_path, site):
    archive = crawl(tmp_path, "feed", f"urls={site.url('/')}")
    rows = archived(archive)
    assert sorted(rows) == stories(1, 5)
    assert rows[story(5)]["source_published"] == "2024-02-05T08:00:00+00:00"
    assert rows[story(5)]["discovered_via"] == "feed"


def test_atom_feed_with_relative_links(tmp_path, site):
    archive = crawl(tmp_path, "feed", f"urls={site.url('/feeds/atom.xml')}")
    assert sorted(archived(archive)) == stories(6)


def test_site_follows_links_and_keeps_only_articles(tmp_path, site):
    archive = crawl(tmp_path, "site", f"urls={site.url('/')}", "depth=2", "deny=/tag/")
    rows = archived(archive)
    assert sorted(rows) == stories(1, 2, 3, 4, 5, 6)
    requested = site.paths_requested()
    assert "/world/" in requested and "/about" in requested  # navigation: fetched, not archived
    assert not [p for p in requested if p.startswith("/tag/")]
    assert "/private/members" not in requested


def test_site_depth_one_with_article_pattern(tmp_path, site):
    archive = crawl(tmp_path, "site", f"urls={site.url('/')}", r"article_pattern=/\d{4}/\d{2}/\d{2}/")
    assert sorted(archived(archive)) == stories(1, 2)
    assert story(3) not in site.paths_requested()


def test_sources_file(tmp_path, site):
    config = tmp_path / "sources.toml"
    config.write_text(f"""
[sites.harbour]
sitemaps = ["{site.url('/robots.txt')}"]
feeds = ["{site.url('/feeds/atom.xml')}"]
since = "2024-02-01"
crawl_delay = 0.01

[sites.harbour.extract]
junk_patterns = ['(?i)^In story 4, the harbour authority said.*$']
""")
    archive = crawl(tmp_path, "sources", f"config={config}")
    rows = archived(archive)
    assert sorted(rows) == stories(1, 2, 4, 6)
    text = (archive / rows[story(4)]["text_path"]).read_text()
    assert "In story 4, officials told reporters" in text


@pytest.mark.parametrize("spider, args, message", [
    ("sources", (), "-a config=PATH"),
    ("sources", ("config=/nonexistent.toml",), "nonexistent.toml"),
    ("sitemap", ("urls=http://x.example/s.xml", "since=yesterday"), "since must be a date"),
    ("site", ("urls=http://x.example/", "follow=(("), "follow is not a valid regular expression"),
])
def test_bad_arguments(tmp_path, spider, args, message):
    result = run_crawl(tmp_path / "archive", *args, spider=spider)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr

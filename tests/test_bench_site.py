"""The benchmark's generated news site (benchmarks/newssite.py): deterministic, realistic sizes, and
valid input for the crawler's own sitemap, robots.txt and feed parsers. Nothing here is timed and no
web server is started."""

from __future__ import annotations

import gzip
import json
import statistics
import sys
from pathlib import Path

import pytest

from crawler.discovery.feeds import parse_feed
from crawler.discovery.pages import is_article_page
from crawler.discovery.sitemaps import parse_sitemap, sitemaps_from_robots

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import newssite  # noqa: E402

BASE = "http://127.0.0.1:8123"
PAGES = 60


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    newssite.generate(out, PAGES, seed=7, base=BASE)
    return out


def articles(site: Path) -> list[list[str]]:
    return json.loads((site / "manifest.json").read_text(encoding="utf-8"))["articles"]


def test_same_seed_gives_identical_files(site, tmp_path):
    newssite.generate(tmp_path, PAGES, seed=7, base=BASE)
    assert files(tmp_path) == files(site)
    assert newssite.is_generated(tmp_path, PAGES, 7)
    assert not newssite.is_generated(tmp_path, PAGES + 1, 7)


def test_another_seed_gives_another_site(site, tmp_path):
    newssite.generate(tmp_path, PAGES, seed=8, base=BASE)
    assert files(tmp_path)["robots.txt"] == files(site)["robots.txt"]
    assert articles(tmp_path) != articles(site)


def test_article_pages_are_about_100_kb_and_compress_like_real_pages(site):
    bodies = [(site / path.lstrip("/")).read_bytes() for path, _, _ in articles(site)]
    assert len(bodies) == PAGES
    sizes = [len(body) for body in bodies]
    assert 80_000 <= statistics.mean(sizes) <= 120_000
    assert min(sizes) > 60_000 and max(sizes) < 160_000
    ratio = statistics.mean(len(b) / len(gzip.compress(b, 5)) for b in bodies[:10])
    assert 2.5 < ratio < 8  # prose that compresses like prose, not repeated text


def test_article_pages_look_like_news_articles(site):
    path, lastmod, title = articles(site)[3]
    body = (site / path.lstrip("/")).read_bytes()
    text = body.decode("utf-8")
    for furniture in ('<meta property="og:type" content="article">', '"@type": "NewsArticle"', "<nav",
                      "<footer", "<style>", "Advertisement", "READ MORE:", "Most read", "__APP_STATE__",
                      f'content="{lastmod}"'):
        assert furniture in text
    assert 6 <= text.count("<p>") - text.count("<p>“") <= 25
    assert is_article_page(body, BASE + path)


def test_sitemap_index_lists_every_article(site):
    index = parse_sitemap((site / "sitemap.xml").read_bytes())
    assert index.kind == "sitemapindex"
    listed = []
    for child in index.entries:
        assert child.loc.startswith(f"{BASE}/sitemaps/")
        sitemap = parse_sitemap((site / child.loc.removeprefix(BASE + "/")).read_bytes())
        assert sitemap.kind == "urlset"
        assert len(sitemap.entries) <= 50_000
        listed += [(entry.loc, entry.lastmod) for entry in sitemap.entries]
    expected = [(BASE + path, lastmod) for path, lastmod, _ in articles(site)]
    assert sorted(listed) == sorted(expected)
    assert len(set(listed)) == PAGES
    for loc, _ in listed:
        assert (site / loc.removeprefix(BASE + "/")).is_file()
    assert parse_sitemap((site / "empty-sitemap.xml").read_bytes()).entries == ()


def test_robots_txt_and_feed(site):
    assert sitemaps_from_robots((site / "robots.txt").read_bytes()) == [f"{BASE}/sitemap.xml"]
    entries = parse_feed((site / "feed.xml").read_bytes(), BASE + "/feed.xml")
    assert [e.link for e in entries] == [BASE + path for path, _, _ in articles(site)[:len(entries)]]
    assert len(entries) == min(PAGES, newssite.FEED_ITEMS)
    for section in newssite.SECTIONS:
        assert (site / section / "index.html").is_file()


def test_discovery_files_follow_the_servers_address(site, tmp_path):
    newssite.generate(tmp_path, 5, seed=7, base=BASE)
    newssite.write_discovery(tmp_path, "http://127.0.0.1:9999")
    assert b"http://127.0.0.1:9999/sitemap.xml" in (tmp_path / "robots.txt").read_bytes()
    assert BASE.encode() not in (tmp_path / "sitemap.xml").read_bytes()

"""Politeness that holds, measured by the server: how many requests of one host it answers at
once (CONCURRENT_REQUESTS_PER_DOMAIN), when each arrives (DOWNLOAD_DELAY, a site's crawl_delay)
for every request of the crawl (robots.txt, sitemaps, articles), and Retry-After on a 429 (that
host waits, another is served meanwhile). Delays come from the arrival times the server records,
with generous bounds."""

from __future__ import annotations

import pytest

from tests.conftest import run_crawl, run_stats
from tests.localsite import LocalSite, Route, article_html

pytestmark = pytest.mark.e2e

HTML = [("Content-Type", "text/html; charset=utf-8")]


def host_of(request) -> str:
    return dict((k.lower(), v) for k, v in request.headers)["host"].rsplit(":", 1)[0]


def sitemap(urls) -> bytes:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()


@pytest.fixture
def slow_site():
    site = LocalSite()
    for i in range(12):
        site.routes[f"/slow/{i}"] = Route(headers=HTML, body=article_html(f"Slow story number {i}").encode(),
                                          delay=0.25)
    site.routes["/sitemap.xml"] = Route(headers=[("Content-Type", "application/xml")],
                                        body=sitemap(site.url(f"/slow/{i}") for i in range(12)), delay=0.25)
    site.start()
    yield site
    site.stop()


def test_no_more_than_concurrent_requests_per_domain_at_once(tmp_path, slow_site):
    """12 article URLs from a sitemap, CONCURRENT_REQUESTS_PER_DOMAIN=2: the server never answers more
    than 2 at once (Scrapy 2.19's downloader alone let 11 through), and does answer 2 at once."""
    archive = tmp_path / "archive"
    result = run_crawl(archive, f"urls={slow_site.url('/sitemap.xml')}", spider="sitemap",
                       extra=("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "CONCURRENT_REQUESTS=16"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert run_stats(archive)["store/articles"] == 12
    assert slow_site.max_open_by_host == {"127.0.0.1": 2}
    # robots.txt, the sitemap, 12 articles and their shared image (a page requisite, fetched once)
    assert len(slow_site.requests) == 15 and slow_site.paths_requested().count("/img/icebreaker.jpg") == 1


def test_download_delay_holds_between_every_request_to_a_host(tmp_path, slow_site):
    """DOWNLOAD_DELAY=0.6 (no jitter): robots.txt, the sitemap and each article arrive at least that far
    apart; a site's crawl_delay of the sources file holds the same way (below)."""
    archive = tmp_path / "archive"
    for i in range(4, 12):
        del slow_site.routes[f"/slow/{i}"]
    slow_site.routes["/sitemap.xml"] = Route(headers=[("Content-Type", "application/xml")],
                                             body=sitemap(slow_site.url(f"/slow/{i}") for i in range(4)))
    result = run_crawl(archive, f"urls={slow_site.url('/sitemap.xml')}", spider="sitemap",
                       extra=("-s", "DOWNLOAD_DELAY=0.6", "-s", "DOWNLOAD_DELAY_JITTER=0",
                              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"))
    assert result.returncode == 0, result.stderr[-3000:]
    arrivals = [r.when for r in slow_site.requests]
    assert [r.path for r in slow_site.requests][:2] == ["/robots.txt", "/sitemap.xml"]
    assert len(arrivals) == 7  # robots.txt, the sitemap, 4 articles, their shared image (a page requisite)
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) >= 0.5, gaps  # 0.6 s, less the jitter of two arrivals


def test_a_sites_crawl_delay_holds_for_robots_txt_sitemaps_and_articles(tmp_path, slow_site):
    archive = tmp_path / "archive"
    for i in range(3, 12):
        del slow_site.routes[f"/slow/{i}"]
    slow_site.routes["/sitemap.xml"] = Route(headers=[("Content-Type", "application/xml")],
                                             body=sitemap(slow_site.url(f"/slow/{i}") for i in range(3)))
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sites.slow]\nsitemaps = ["{slow_site.url("/sitemap.xml")}"]\ncrawl_delay = 0.7\n')
    # with Scrapy's default jitter (±50%): a site's crawl_delay is a minimum all the same
    result = run_crawl(archive, f"config={sources}", spider="sources", extra=("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"))
    assert result.returncode == 0, result.stderr[-3000:]
    arrivals = [r.when for r in slow_site.requests]
    # robots.txt, the sitemap, 3 articles, their shared image (a page requisite)
    assert len(arrivals) == 6 and run_stats(archive)["store/articles"] == 3
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) >= 0.6, gaps


def test_retry_after_holds_that_host_while_another_is_served(tmp_path):
    """A 429 with Retry-After: 3 on 127.0.0.1: its retry arrives at least ~3 s later, and the other
    host (localhost, the same server) is served meanwhile."""
    site = LocalSite()
    attempts = []

    def limited(seen):
        attempts.append(seen)
        if len(attempts) == 1:
            return Route(429, "Too Many Requests", [("Retry-After", "3"), ("Content-Type", "text/plain")], b"slow down")
        return Route(headers=HTML, body=article_html("Finally served").encode())

    site.dynamic["/limited"] = limited
    for i in range(8):
        site.routes[f"/other/{i}"] = Route(headers=HTML, body=article_html(f"Other host story {i}").encode(),
                                           delay=0.4)
    site.start()
    archive = tmp_path / "archive"
    other = [site.url(f"/other/{i}").replace("127.0.0.1", "localhost") for i in range(8)]
    try:
        result = run_crawl(archive, f"urls={','.join([site.url('/limited'), *other])}",
                           extra=("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"))
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(attempts) == 2, [a.path for a in site.requests]
    waited = attempts[1].when - attempts[0].when
    assert 2.7 <= waited <= 20, waited
    served_meanwhile = [r for r in site.requests
                        if host_of(r) == "localhost" and attempts[0].when < r.when < attempts[1].when]
    assert len(served_meanwhile) >= 3
    stats = run_stats(archive)
    assert stats["downloader/retry_after/count"] == 1 and stats["downloader/retry_after/max_wait"] == 3
    assert stats["store/articles"] == 9

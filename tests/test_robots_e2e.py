"""robots.txt is obeyed for every request, however many wait for it at once."""

from __future__ import annotations

import pytest

from tests.conftest import run_crawl, run_stats
from tests.localsite import LocalSite, Route

pytestmark = pytest.mark.e2e


def crawl_site(tmp_path, site, paths, *extra):
    urls = ",".join(site.url(p) for p in paths)
    return run_crawl(tmp_path / "archive", f"urls={urls}",
                     extra=("-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", *extra))


def test_no_disallowed_url_is_fetched_with_many_concurrent_start_urls(tmp_path):
    site = LocalSite().start()
    try:
        private = [f"/private/page-{i}" for i in range(24)]
        result = crawl_site(tmp_path, site, [*private, "/news/plain", "/news/gzip"])
        requested = site.paths_requested()
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    assert requested.count("/robots.txt") == 1
    assert not [p for p in requested if p.startswith("/private/")]
    assert {"/news/plain", "/news/gzip"} <= set(requested)
    assert run_stats(tmp_path / "archive")["robotstxt/forbidden"] == 24


@pytest.mark.parametrize("status, fetched, exit_status", [(404, True, 0), (503, False, 4)])
def test_robots_txt_status_rules_of_rfc_9309(tmp_path, status, fetched, exit_status):
    """4xx: no restrictions; 5xx: complete disallow (nothing archived: exit status 4)."""
    site = LocalSite()
    site.routes["/robots.txt"] = Route(status=status, reason="X", body=b"", headers=[("Content-Type", "text/plain")])
    site.start()
    try:
        result = crawl_site(tmp_path, site, ["/news/plain", "/private/secret"], "-s", "RETRY_ENABLED=False")
        requested = site.paths_requested()
    finally:
        site.stop()
    assert result.returncode == exit_status, result.stderr[-2000:]
    assert ("/news/plain" in requested) is fetched
    assert ("/private/secret" in requested) is fetched

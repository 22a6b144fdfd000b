"""Proxies and cookies configured as users do, in real crawls: the http_proxy / https_proxy /
no_proxy environment variables, a site's ``proxy`` and ``cookies_file`` in the sources file,
and ``ARCHIVE_COOKIES_FILE`` for a single-site run; a cookie-gated article (a paywall stub
without the cookie, the whole text with it)."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.certs import self_signed, server_context
from tests.conftest import keep_archive, run_crawl, run_stats
from tests.localsite import PARAGRAPHS, LocalSite, Route, article_html
from tests.proxies import HttpProxy, Socks5Proxy
from tests.wallpages import stub_html

pytestmark = pytest.mark.e2e

HTML = [("Content-Type", "text/html; charset=utf-8")]
SESSION = "session=letmein"


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return server_context(*self_signed(tmp_path_factory.mktemp("certs")))


def cookies_txt(path, host: str = "127.0.0.1") -> str:
    path.write_text("# Netscape HTTP Cookie File\n# exported from a logged-in browser\n\n"
                    f"{host}\tFALSE\t/\tFALSE\t0\tsession\tletmein\n"
                    f"#HttpOnly_{host}\tFALSE\t/\tFALSE\t4102444800\tprefs\tdark\n", encoding="utf-8")
    return str(path)


def gated(site: LocalSite, path: str, title: str) -> None:
    """A members' article: the whole text with the session cookie (and a cookie set on the way), a
    paywall stub without it."""
    def route(seen):
        cookie = dict((k.lower(), v) for k, v in seen.headers).get("cookie", "")
        if SESSION in cookie:
            return Route(headers=[*HTML, ("Set-Cookie", f"read{path.replace('/', '_')}=1; Path=/")],
                         body=article_html(title, PARAGRAPHS * 2).encode())
        return Route(headers=HTML, body=stub_html(wordCount=900, isAccessibleForFree=False).encode())
    site.dynamic[path] = route


def cookie_of(request) -> str:
    return dict((k.lower(), v) for k, v in request.headers).get("cookie", "")


def archived_blocks(archive) -> bytes:
    return b"".join(gzip.decompress(p.read_bytes()) for p in (archive / "warc").glob("*.warc.gz"))


def test_environment_proxies_carry_http_and_https_and_no_proxy_goes_direct(tmp_path, tls):
    http_proxy, socks = HttpProxy().start(), Socks5Proxy().start()
    plain, secure = LocalSite(), LocalSite(tls=tls)
    for origin in (plain, secure):
        origin.routes["/story"] = Route(headers=HTML, body=article_html("Through the proxy", PARAGRAPHS).encode())
    plain.start(), secure.start()
    archive = tmp_path / "archive"
    direct = plain.url("/story").replace("127.0.0.1", "localhost")
    try:
        result = run_crawl(archive, f"urls={plain.url('/story')},{secure.url('/story')},{direct}",
                           env={"http_proxy": http_proxy.proxy_url(), "https_proxy": socks.proxy_url("socks5h"),
                                "no_proxy": "localhost"})
    finally:
        for server in (http_proxy, socks, plain, secure):
            server.stop()
    keep_archive(archive)
    assert result.returncode == 0, result.stderr[-3000:]
    assert run_stats(archive)["store/articles"] == 3
    # http:// through the HTTP proxy in absolute form, https:// through SOCKS5 (the proxy resolves)
    assert {(s.method, s.target) for s in http_proxy.seen} == {
        ("GET", plain.url("/robots.txt")), ("GET", plain.url("/story")),
        ("GET", plain.url("/img/icebreaker.jpg"))}  # the page's image (a requisite) goes the same way
    assert {s.target for s in socks.seen} == {f"127.0.0.1:{secure.port}"}
    assert all(s.authorized for s in [*http_proxy.seen, *socks.seen])
    by_host = {}
    for request in plain.requests:
        by_host.setdefault(dict(request.headers)["Host"].split(":")[0], []).append(request)
    assert all(r.client_port in http_proxy.upstream_ports for r in by_host["127.0.0.1"])
    assert all(r.client_port in socks.upstream_ports for r in secure.requests)
    assert not any(r.client_port in http_proxy.upstream_ports for r in by_host["localhost"])  # no_proxy
    blocks = archived_blocks(archive)
    assert b"Proxy-Authorization" not in blocks and http_proxy.password.encode() not in blocks
    assert b"GET /story HTTP/1.1\r\n" in blocks and b"GET http://" not in blocks  # origin form
    assert http_proxy.password not in result.stderr and socks.password not in result.stderr


def test_a_sites_proxy_and_cookies_file_from_the_sources_file(tmp_path):
    proxy = HttpProxy().start()
    site = LocalSite()
    for path, title in (("/members/1", "First members story"), ("/members/2", "Second members story"),
                        ("/members/3", "Third members story")):
        gated(site, path, title)
    urlset = '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'
    site.routes["/members-sitemap.xml"] = Route(headers=[("Content-Type", "application/xml")], body=urlset.format(
        "".join(f"<url><loc>{site.url(p)}</loc></url>" for p in ("/members/1", "/members/2"))).encode())
    anonymous = site.url("/members/3").replace("127.0.0.1", "localhost")
    site.routes["/anon-sitemap.xml"] = Route(headers=[("Content-Type", "application/xml")],
                                             body=urlset.format(f"<url><loc>{anonymous}</loc></url>").encode())
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[sites.members]\nsitemaps = ["{site.url("/members-sitemap.xml")}"]\n'
        f'proxy = "{proxy.proxy_url()}"\ncookies_file = "cookies.txt"\n\n'
        f'[sites.anonymous]\nsitemaps = ["{site.url("/anon-sitemap.xml").replace("127.0.0.1", "localhost")}"]\n')
    cookies_txt(tmp_path / "cookies.txt")  # beside the sources file: relative paths are taken from there
    archive = tmp_path / "archive"
    site.start()
    try:
        result = run_crawl(archive, f"config={sources}", spider="sources", extra=("-s", "CONCURRENT_REQUESTS=1"))
    finally:
        site.stop()
        proxy.stop()
    keep_archive(archive)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = run_stats(archive)
    assert stats["store/articles"] == 2 and stats["extract/dropped/paywall"] == 1  # the anonymous site's stub
    # every request of the members site went through its proxy: robots.txt, the sitemap, the articles
    # and their image (a page requisite)
    assert sorted(s.target for s in proxy.seen) == sorted(
        site.url(p) for p in ("/robots.txt", "/members-sitemap.xml", "/members/1", "/members/2", "/img/icebreaker.jpg"))
    members = [r for r in site.requests
               if r.path.startswith("/members/") and "localhost" not in dict(r.headers)["Host"]]
    assert len(members) == 2 and all(r.client_port in proxy.upstream_ports for r in members)
    # the cookies of the file went with them, and the jar kept what the first answer set
    assert all(SESSION in cookie_of(r) and "prefs=dark" in cookie_of(r) for r in members)
    assert re.search(r"read_members_\d=1", cookie_of(members[1]))
    # the other site has its own jar: no session, and it went direct
    (anon,) = [r for r in site.requests if r.path == "/members/3"]
    assert cookie_of(anon) == "" and anon.client_port not in proxy.upstream_ports
    blocks = archived_blocks(archive)
    assert b"letmein" not in blocks.split(b"WARC-Type: response")[0]  # not in the first request record...
    assert not re.search(rb"\r\nCookie:", blocks)  # ...nor in any (WARC_KEEP_CREDENTIALS is off)


def test_the_cookies_file_setting_logs_a_single_site_run_in(tmp_path):
    site = LocalSite()
    gated(site, "/members/1", "First members story")
    site.start()
    try:
        logged_in = run_crawl(tmp_path / "in", f"urls={site.url('/members/1')}",
                              extra=("-s", f"ARCHIVE_COOKIES_FILE={cookies_txt(tmp_path / 'cookies.txt')}"))
        anonymous = run_crawl(tmp_path / "out", f"urls={site.url('/members/1')}")
    finally:
        site.stop()
    assert logged_in.returncode == 0, logged_in.stderr[-3000:]
    assert run_stats(tmp_path / "in")["store/articles"] == 1
    assert run_stats(tmp_path / "in")["cookies/loaded"] == 2
    assert anonymous.returncode == 4  # the stub only: nothing archived
    assert run_stats(tmp_path / "out")["extract/dropped/paywall"] == 1


def test_a_bad_cookies_file_stops_the_run_before_fetching(tmp_path):
    bad = tmp_path / "cookies.txt"
    bad.write_text("127.0.0.1\tFALSE\t/\n")
    result = run_crawl(tmp_path / "a", "urls=http://127.0.0.1:9/story", extra=("-s", f"ARCHIVE_COOKIES_FILE={bad}"))
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"{bad}:1: expected 7 tab-separated fields" in result.stderr

"""Crawling through proxies, in-process: the download handler and the Archive against real
proxies the tests start (an HTTP/CONNECT proxy, the same over TLS, SOCKS5 with socks5:// and
socks5h://, each with authentication) and an http:// and an https:// origin (self-signed).

The origin sees the proxy's connection; the WARC keeps what the origin sent, and the request
record is the request as the origin received it: origin-form, no Proxy-Authorization.
"""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware
from scrapy.exceptions import DownloadConnectionRefusedError
from warcio.archiveiterator import ArchiveIterator

from crawler.capture.handler import CapturingHttpDownloadHandler, ProxyError
from crawler.spiders.article import ArticleSpider
from tests.certs import self_signed, server_context
from tests.components import open_archive, project_crawler
from tests.localsite import LocalSite, Route, article_html
from tests.proxies import HttpProxy, Socks5Proxy

HTML = [("Content-Type", "text/html; charset=utf-8")]
PROXIES = ["http", "https", "socks5", "socks5h"]


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return server_context(*self_signed(tmp_path_factory.mktemp("certs")))


@pytest.fixture(scope="module")
def origins(site, tls):
    secure = LocalSite(tls=tls).start()
    for origin in (site, secure):
        origin.routes["/proxied/story"] = Route(headers=HTML, body=article_html("Through the proxy").encode())
    yield {"http": site, "https": secure}
    secure.stop()


@pytest.fixture(scope="module")
def proxies(tls):
    started = {"http": HttpProxy().start(), "https": HttpProxy(tls=tls).start(), "socks5": Socks5Proxy().start()}
    yield started
    for proxy in started.values():
        proxy.stop()


def proxy_url(proxies, kind: str, **credentials) -> str:
    if kind.startswith("socks5"):
        return proxies["socks5"].proxy_url(kind, **credentials)
    return proxies[kind].proxy_url(**credentials)


def local(origin: LocalSite, path: str) -> str:
    """The origin's URL under the name localhost (SOCKS5h then sends a name, not an address)."""
    return origin.url(path).replace("127.0.0.1", "localhost")


def crawl(tmp_path, url: str, request: Request, **settings):
    crawler = project_crawler(tmp_path / "archive", **settings)
    crawler.spider = ArticleSpider.from_crawler(crawler, urls=url)
    archive = open_archive(crawler)
    HttpProxyMiddleware.from_crawler(crawler).process_request(request)  # as Scrapy does: credentials to a header
    handler = CapturingHttpDownloadHandler(crawler)

    async def go():
        try:
            return await handler.download_request(request)
        finally:
            await handler.close()

    try:
        return asyncio.run(go()), archive, crawler
    finally:
        archive.close()


def warc_records(archive) -> list:
    found = []
    for path in sorted(archive.layout.warc_dir.glob("*.warc.gz*")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, no_record_parse=True):  # the block as stored
                found.append((record.rec_type, record.rec_headers, record.raw_stream.read()))
    return found


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("kind", PROXIES)
def test_an_origin_is_crawled_through_each_proxy_and_archived_as_the_origin_sent_it(
        tmp_path, origins, proxies, kind, scheme):
    origin = origins[scheme]
    url = local(origin, "/proxied/story")
    server = proxies["socks5" if kind.startswith("socks5") else kind]
    before_seen, before_requests = len(server.seen), len(origin.requests)
    request = Request(url, meta={"proxy": proxy_url(proxies, kind)})
    response, archive, _ = crawl(tmp_path, url, request, WARC_KEEP_CREDENTIALS=True)
    assert response.status == 200 and response.body == origin.routes["/proxied/story"].body

    # the proxy was asked, with our credentials, the way its kind is asked
    asked = server.seen[before_seen:]
    assert asked and all(seen.authorized for seen in asked)
    if kind in ("http", "https"):
        expected = ("GET", url) if scheme == "http" else ("CONNECT", f"localhost:{origin.port}")
        assert (asked[0].method, asked[0].target) == expected
    else:
        assert asked[0].method == "CONNECT"
        assert dict(asked[0].headers)["address-type"] == ("domain" if kind == "socks5h" else "ipv4")

    # the origin saw the proxy's connection, in origin form, without the proxy's credentials
    seen = origin.requests[before_requests:]
    assert [r.request_line for r in seen] == ["GET /proxied/story HTTP/1.1"]
    assert seen[0].client_port in server.upstream_ports
    assert "proxy-authorization" not in {name.lower() for name, _ in seen[0].headers}

    # the records: the request as the origin received it, the response as it sent it
    records = warc_records(archive)
    (request_headers, request_block), = [(h, b) for t, h, b in records if t == "request"]
    (response_headers, response_block), = [(h, b) for t, h, b in records if t == "response"]
    assert request_block.startswith(b"GET /proxied/story HTTP/1.1\r\n")
    assert b"proxy-authorization" not in request_block.lower()  # even with WARC_KEEP_CREDENTIALS
    assert response_block.startswith(b"HTTP/1.0 200 OK\r\n") or response_block.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Server: localsite/1.0\r\n" in response_block
    assert response_block.endswith(origin.routes["/proxied/story"].body)
    # WARC-IP-Address: the address the crawler connected to, the proxy's
    assert response_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert request_headers.get_header("WARC-Concurrent-To") == response_headers.get_header("WARC-Record-ID")


@pytest.mark.parametrize("kind", PROXIES)
def test_wrong_proxy_credentials_fail_the_request_and_archive_nothing_of_the_proxy(tmp_path, origins, proxies, kind):
    url = local(origins["https"], "/proxied/story")
    request = Request(url, meta={"proxy": proxy_url(proxies, kind, password="wrong")})
    with pytest.raises(ProxyError, match="proxy"):
        crawl(tmp_path, url, request)


def test_a_forwarding_proxys_407_is_not_archived_as_the_origins_answer(tmp_path, origins, proxies):
    url = local(origins["http"], "/proxied/story")
    request = Request(url, meta={"proxy": proxy_url(proxies, "http", password="wrong")})
    with pytest.raises(ProxyError, match="407"):
        crawl(tmp_path, url, request)
    assert "response" not in warc_records_of(tmp_path)


def warc_records_of(tmp_path) -> list[str]:
    kinds = []
    for path in sorted((tmp_path / "archive" / "warc").glob("*.warc.gz*")):
        with path.open("rb") as stream:
            kinds += [record.rec_type for record in ArchiveIterator(stream)]
    return kinds


def test_a_host_the_socks_proxy_cannot_resolve_is_a_connection_error(tmp_path, origins, proxies):
    url = "http://news.example.invalid/story"
    request = Request(url, meta={"proxy": proxy_url(proxies, "socks5h")})
    with pytest.raises(DownloadConnectionRefusedError, match="host unreachable"):
        crawl(tmp_path, url, request)


def test_the_proxys_credentials_never_reach_the_origin_without_a_proxy(tmp_path, origins):
    """A Proxy-Authorization header left on a request that goes direct is not sent."""
    origin = origins["http"]
    url = origin.url("/proxied/story")
    before = len(origin.requests)
    request = Request(url, headers={"Proxy-Authorization": "Basic c2VjcmV0OnNlY3JldA=="})
    response, _, _ = crawl(tmp_path, url, request, WARC_KEEP_CREDENTIALS=True)
    assert response.status == 200
    assert "proxy-authorization" not in {name.lower() for name, _ in origin.requests[before].headers}

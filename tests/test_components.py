"""The crawl's components built in-process with Scrapy's own test helper (get_crawler):
the download handler and the Archive extension against a real local server, the recrawl
middleware, and the item pipelines, each asserting on crawler.stats."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from scrapy import Request
from warcio.archiveiterator import ArchiveIterator

from crawler import drops, meta
from crawler.capture.handler import CapturingHttpDownloadHandler
from crawler.items import Article
from crawler.middlewares.recrawl import RecrawlMiddleware
from crawler.spiders.article import ArticleSpider
from crawler.stages import RevisionFilter, SidecarStage, StoreStage
from pipelines.storage.catalog import UrlState
from tests.components import open_archive, project_crawler, run, stats_under
from tests.localsite import Route, article_html

HTML = [("Content-Type", "text/html; charset=utf-8")]


@pytest.fixture
def crawler(tmp_path, site):
    crawler = project_crawler(tmp_path / "archive")
    crawler.spider = ArticleSpider.from_crawler(crawler, urls=site.url("/news/plain"))
    return crawler


def fetch(handler: CapturingHttpDownloadHandler, *requests: Request):
    async def go():
        try:
            return [await handler.download_request(request) for request in requests]
        finally:
            await handler.close()

    return asyncio.run(go())


def records(archive):
    found = []
    for path in sorted(archive.layout.warc_dir.glob("*.warc.gz*")):
        with path.open("rb") as stream:
            found += [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(stream)]
    return found


def test_the_handler_archives_each_exchange_and_carries_what_it_wrote(crawler, site):
    archive = open_archive(crawler)
    site.routes["/copy/a"] = site.routes["/copy/b"] = Route(headers=HTML, body=article_html("One payload").encode())
    requests = [Request(site.url(p)) for p in ("/news/plain", "/copy/a", "/copy/b")]
    plain, first, second = fetch(CapturingHttpDownloadHandler(crawler), *requests)
    rows = archive.local_catalog.captures()
    archive.close()
    assert plain.status == 200 and plain.body == site.routes["/news/plain"].body
    capture = requests[0].meta[meta.CAPTURE]
    assert capture["record_id"] == capture["payload_record_id"] and capture["truncated"] is None
    # the same payload under a second URL: a revisit, its payload in the first one's record
    a, b = requests[1].meta[meta.CAPTURE], requests[2].meta[meta.CAPTURE]
    assert b["payload_record_id"] == a["record_id"] != b["record_id"]
    stats = stats_under(crawler, "warc/")
    assert (stats["warc/records"], stats["warc/revisits"]) == (6, 1) and stats["warc/bytes"] > 0
    kinds = records(archive)
    assert kinds.count(("revisit", site.url("/copy/b"))) == 1 and kinds.count(("request", site.url("/copy/b"))) == 1
    assert [row["url"] for row in rows] == [site.url(p) for p in ("/news/plain", "/copy/a", "/copy/b")]


def test_an_answer_without_a_status_line_is_counted_and_fails(crawler, site):
    archive = open_archive(crawler)
    site.routes["/garbage"] = Route(raw=b"SSH-2.0-OpenSSH\r\n")
    with pytest.raises(Exception, match="no HTTP status line"):
        fetch(CapturingHttpDownloadHandler(crawler), Request(site.url("/garbage")))
    archive.close()
    assert stats_under(crawler, "capture/") == {"capture/no_response": 1}
    assert ("metadata", site.url("/garbage")) in records(archive)
    assert ("response", site.url("/garbage")) not in records(archive)


def _capture_row(url: str, fetched: dt.datetime, **fields) -> dict:
    return {"url": url, "fetched_at": fetched.isoformat().replace("+00:00", "Z"), "status": 200,
            "record_type": "response", "record_id": f"<urn:uuid:{url[-1]}>", "warc_file": "x.warc.gz",
            "warc_offset": 0, **fields}


def test_the_recrawl_middleware_looks_the_url_up_once_and_decides(crawler):
    archive = open_archive(crawler)
    now = dt.datetime.now(dt.UTC)
    catalog = archive.catalog
    catalog.add_capture(_capture_row("https://a.example/1", now - dt.timedelta(hours=1)))
    catalog.add_capture(_capture_row("https://a.example/2", now - dt.timedelta(days=9), etag='"v1"'))
    catalog.add_capture(_capture_row("https://a.example/3", now - dt.timedelta(hours=1), truncated="disconnect"))
    middleware = RecrawlMiddleware.from_crawler(crawler)
    recent, old, cut, new = (Request(f"https://a.example/{n}", meta={meta.ARTICLE: True}) for n in (1, 2, 3, 4))
    with pytest.raises(drops.AlreadyArchived):
        middleware.process_request(recent)
    for request in (old, cut, new):
        assert middleware.process_request(request) is None
    assert old.headers.get(b"If-None-Match") == b'"v1"'
    assert UrlState.from_meta(old.meta[meta.STATE]).etag == '"v1"'
    assert b"If-None-Match" not in cut.headers  # a cut capture never counts, never gives validators
    assert stats_under(crawler, "archive/") == {"archive/skipped_recent": 1, "archive/recrawled": 1,
                                                "archive/expected": 3}
    archive.close()


def test_the_revision_filter_drops_what_did_not_change(crawler):
    stage = RevisionFilter.from_crawler(crawler)
    state = UrlState(revision=2, payload_digest="sha1:SAME").as_meta()
    same = Article(url="https://a.example/x", status=200, payload_digest="sha1:SAME", state=state)
    not_modified = Article(url="https://a.example/y", status=304, conditional=True)
    unasked = Article(url="https://a.example/z", status=304, conditional=False)
    changed = Article(url="https://a.example/w", status=200, payload_digest="sha1:NEW", state=state)
    for item in (same, not_modified):
        with pytest.raises(drops.Unchanged):
            stage.process_item(item)
    assert stage.process_item(unasked) is unasked  # a 304 to a question nobody asked is no answer
    assert stage.process_item(changed) is changed
    assert stats_under(crawler, "archive/") == {"archive/unchanged": 2}


def test_the_store_stage_writes_record_file_row_and_sidecar_in_order(crawler):
    archive = open_archive(crawler)
    stage, sidecars = StoreStage.from_crawler(crawler), SidecarStage.from_crawler(crawler)
    item = Article(url="https://a.example/story", status=200, fetched_at="2024-02-04T09:30:00+00:00",
                   title="The title", text="First paragraph.\n\nSecond paragraph.", response_record_id="<urn:uuid:r>")
    sidecars.process_item(run(stage.process_item(item)))
    text = (archive.layout.path(item.text_path)).read_text()
    assert text == "The title\n\nFirst paragraph.\n\nSecond paragraph.\n"
    sidecar = json.loads(archive.layout.path(item.text_path).with_suffix(".json").read_text())
    assert sidecar["id"] == item.article_id and sidecar["conversion_record_id"] == item.conversion_record_id
    (row,) = archive.local_catalog.articles()
    assert row["text_sha1"] == item.text_sha1 and row["revision"] == 1 and row["run_id"] == archive.run_id
    again = Article(url="https://a.example/story", status=200, title="The title", text=item.text,
                    response_record_id="<urn:uuid:r2>")
    with pytest.raises(drops.Unchanged):
        run(stage.process_item(again))
    archive.close()
    assert ("conversion", "urn:text:https://a.example/story") in records(archive)
    assert stats_under(crawler, "store/") == {"store/articles": 1}
    assert stats_under(crawler, "archive/") == {"archive/unchanged": 1}


def test_meta_refresh_is_followed_and_pages_without_one_pass_untouched(crawler):
    from scrapy.http import HtmlResponse

    from crawler.middlewares.meta_refresh import HeadMetaRefreshMiddleware

    middleware = HeadMetaRefreshMiddleware.from_crawler(crawler)
    request = Request("https://a.example/old")
    moved = HtmlResponse(request.url, body=b'<html><head><meta http-equiv="refresh" content="0; url=/new">'
                                           b"</head><body>moved</body></html>", request=request)
    plain = HtmlResponse(request.url, body=b"<html><body>" + b"<p>text</p>" * 5000 + b"</body></html>",
                         request=request)
    redirected = middleware.process_response(request, moved)
    assert isinstance(redirected, Request) and redirected.url == "https://a.example/new"
    assert middleware.process_response(request, plain) is plain


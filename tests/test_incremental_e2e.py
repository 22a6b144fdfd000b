"""Runs after runs: nothing archived twice, revisits for unchanged payloads,
revisions for changed articles, conditional requests."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sqlite3

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import keep_archive, run_crawl
from tests.localsite import PARAGRAPHS, LocalSite, Route, article_html
from tests.pywb import pywb_replay

pytestmark = pytest.mark.e2e

PATHS = ["/news/plain", "/news/gzip", "/news/chunked", "/news/etag"]
ADDED = "Late on Tuesday the ministry added that a second icebreaker would follow in the spring."


def warc_records(archive):
    found = {}
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                found[record.rec_headers["WARC-Record-ID"]] = (path.name, record.rec_type, record.rec_headers,
                                                               record.http_headers, record.raw_stream.read())
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    site = LocalSite().start()
    archive = tmp_path_factory.mktemp("incremental") / "archive"
    urls = "urls=" + ",".join(site.url(p) for p in PATHS)
    try:
        first = run_crawl(archive, urls)
        after_first = (len(site.requests), sorted(p.name for p in (archive / "warc").glob("*.warc.gz")))
        second = run_crawl(archive, urls)
        after_second = (len(site.requests), sorted(p.name for p in (archive / "warc").glob("*.warc.gz")))
        site.routes["/news/plain"].body = article_html(
            "Icebreaker to keep northern lane open", [*PARAGRAPHS, ADDED]).encode()
        third = run_crawl(archive, urls, extra=("-s", "RECRAWL_AFTER=0"))
        third_requests = site.requests[after_second[0]:]
    finally:
        site.stop()
    keep_archive(archive)
    return {"archive": archive, "site": site, "results": [first, second, third], "third_requests": third_requests,
            "after_first": after_first, "after_second": after_second, "records": warc_records(archive)}


def summaries(archive):
    return sorted((json.loads(p.read_text()) for p in (archive / "warc").glob("*.stats.json")),
                  key=lambda s: s["started"] + s["run"])


def test_every_run_exits_zero(runs):
    for result in runs["results"]:
        assert result.returncode == 0, result.stderr[-2000:]


def test_second_run_fetches_nothing_already_archived(runs):
    assert runs["after_second"] == runs["after_first"]  # no request, no new WARC file
    second = summaries(runs["archive"])[1]
    assert second["skipped_recent"] == len(PATHS) and second["fetched"] == 0 and second["exit_status"] == 0


def test_changed_article_becomes_a_new_revision(runs):
    db = sqlite3.connect(runs["archive"] / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM articles WHERE url LIKE '%/news/plain' ORDER BY revision").fetchall()
    assert [r["revision"] for r in rows] == [1, 2]
    old, new = ((runs["archive"] / r["text_path"]).read_text() for r in rows)
    assert ADDED not in old and ADDED in new  # the older revision is kept as it was
    assert rows[0]["response_record_id"] != rows[1]["response_record_id"]
    others = db.execute("SELECT url, count(*) FROM articles WHERE url NOT LIKE '%/news/plain' GROUP BY url")
    assert {count for _, count in others} == {1}


def test_unchanged_refetch_is_a_revisit_of_the_original(runs):
    records = runs["records"]
    revisits = [r for r in records.values() if r[1] == "revisit"]
    revisited = {r[2]["WARC-Target-URI"].rsplit("/", 2)[-2:][-1] for r in revisits}
    assert {"gzip", "chunked", "robots.txt", "etag"} <= revisited
    for _, _, headers, http, block in revisits:
        original = records[headers["WARC-Refers-To"]]
        assert original[1] == "response"
        assert headers["WARC-Refers-To-Target-URI"] == original[2]["WARC-Target-URI"]
        assert headers["WARC-Refers-To-Date"] == original[2]["WARC-Date"]
        assert headers["WARC-Payload-Digest"] == original[2]["WARC-Payload-Digest"]
        assert block == b"" and http.get_statuscode() == "200"
        if headers["WARC-Target-URI"].endswith("/news/etag"):  # a 304 to our conditional request
            assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
            assert http.get_header("X-Archive-Not-Modified") == "HTTP/1.1 304 Not Modified"
            continue
        assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert headers["WARC-Truncated"] == "length"


def test_no_payload_is_stored_twice(runs):
    digests = [r[2]["WARC-Payload-Digest"] for r in runs["records"].values()
               if r[1] == "response" and r[3].get_statuscode() == "200"]
    assert len(digests) == len(set(digests))


def test_conditional_request_and_304(runs):
    (etag_request,) = [r for r in runs["third_requests"] if r.path == "/news/etag"]
    headers = dict(etag_request.headers)
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Sun, 04 Feb 2024 09:30:00 GMT"
    third = summaries(runs["archive"])[2]
    assert third["new_revisions"] == 1 and third["unchanged"] == 3 and third["archived"] == 1
    kinds = sorted((r[1], r[3].get_statuscode(), r[3].get_header("X-Archive-Not-Modified"))
                   for r in runs["records"].values()
                   if r[1] in ("response", "revisit") and r[2]["WARC-Target-URI"].endswith("/news/etag"))
    assert kinds == [("response", "200", None), ("revisit", "200", "HTTP/1.1 304 Not Modified")]


def test_pywb_resolves_the_revisit_to_its_original(runs):
    records = runs["records"]
    revisit = next(r for r in records.values() if r[1] == "revisit" and r[2]["WARC-Target-URI"].endswith("/news/gzip"))
    original = records[revisit[2]["WARC-Refers-To"]]
    when = dt.datetime.fromisoformat(revisit[2]["WARC-Date"].replace("Z", "+00:00"))
    with pywb_replay(sorted((runs["archive"] / "warc").glob("*.warc.gz"))) as replay:
        status, headers, body = replay.get(when.strftime("%Y%m%d%H%M%S"), revisit[2]["WARC-Target-URI"])
    assert status == 200
    assert body == gzip.decompress(original[4])
    assert headers["memento-datetime"] == when.strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_one_payload_at_a_second_article_url_is_a_revisit_that_replays_as_the_page(tmp_path):
    # Text records live under urn:text:URL, so a revisit never shares its URI with a text
    # record that pywb could serve in its place (before, the first copy had to be archived in full).
    site = LocalSite()
    body = article_html("The same story under two addresses").encode()
    for path in ("/copy/one", "/copy/two"):
        site.routes[path] = Route(headers=[("Content-Type", "text/html; charset=utf-8")], body=body)
    site.start()
    archive = tmp_path / "archive"
    try:
        first = run_crawl(archive, "urls=" + site.url("/copy/one"))
        second = run_crawl(archive, "urls=" + site.url("/copy/two"))
    finally:
        site.stop()
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    kinds = {(h["WARC-Target-URI"], kind) for _, kind, h, _, _ in warc_records(archive).values()
             if kind in ("response", "revisit", "conversion") and "/copy/" in h["WARC-Target-URI"]}
    assert kinds == {(site.url("/copy/one"), "response"), (site.url("/copy/two"), "revisit"),
                     *(("urn:text:" + site.url(p), "conversion") for p in ("/copy/one", "/copy/two"))}
    with pywb_replay(sorted((archive / "warc").glob("*.warc.gz"))) as replay:
        for path in ("/copy/one", "/copy/two"):
            status, headers, replayed = replay.get("29991231235959", site.url(path))  # the newest capture
            assert status == 200 and replayed == body, path
            assert headers["content-type"].startswith("text/html")
    keep_archive(archive)

"""`scrapy crawl article` end to end against the local site, read back with warcio."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import keep_archive, run_crawl, run_stats
from tests.localsite import CAPTION, CYRILLIC, JUNK, PARAGRAPHS, SUBHEADING, LocalSite

pytestmark = pytest.mark.e2e

ARTICLES = ["/news/plain", "/news/gzip", "/news/chunked", "/news/gzip-chunked", "/news/cookies",
            "/news/cp1251", "/news/moved"]
NOT_ARTICLES = {"/news/broken": "http_status", "/news/to-file": "http_status", "/news/missing": "http_status",
                "/files/report.pdf": "not_html", "/news/binary": "binary_body",
                "/news/index": "no_text"}  # a list of links: no article text at all
START = ["/news/plain", "/news/gzip", "/news/chunked", "/news/gzip-chunked", "/news/cookies",
         "/news/cp1251", "/old/story", "/news/offsite", "/private/secret", *NOT_ARTICLES]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    site = LocalSite().start()
    archive = tmp_path_factory.mktemp("crawl") / "archive"
    urls_file = archive.parent / "urls.txt"
    urls_file.write_text("# half of the list comes from a file\n" +
                         "\n".join(site.url(p) for p in START[5:]) + "\n")
    items = archive.parent / "items.jsonl"
    result = run_crawl(archive, "urls=" + ",".join(site.url(p) for p in START[:5]),
                       f"urls_file={urls_file}", extra=("-O", str(items)))
    site.stop()
    keep_archive(archive)
    records = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                body = record.raw_stream.read()  # stored body, content coding kept
                records.append((path.name, record.rec_type, record.rec_headers, record.http_headers, body))
    return {"site": site, "archive": archive, "result": result, "records": records,
            "items": [json.loads(line) for line in items.read_text().splitlines()]}


def responses(crawl, path=None):
    return [r for r in crawl["records"] if r[1] == "response"
            and (path is None or urlsplit(r[2]["WARC-Target-URI"]).path == path)]


def stat(crawl, key: str) -> int:
    return run_stats(crawl["archive"]).get(key, 0)


def test_crawl_succeeds(crawl):
    assert crawl["result"].returncode == 0, crawl["result"].stderr[-3000:]
    assert "Spider closed (finished)" in crawl["result"].stderr
    # nothing in this site is an error of ours: a failing component would show here
    errors = [line for line in crawl["result"].stderr.splitlines()
              if ("] ERROR:" in line or "] CRITICAL:" in line) and "Gave up retrying <GET" not in line]
    assert not errors, errors[:5]
    assert stat(crawl, "log_count/ERROR") == 1  # only the 500 that stays a 500


def test_every_exchange_has_a_linked_request_and_response(crawl):
    sent = [r.path for r in crawl["site"].requests]
    archived = sorted(urlsplit(r[2]["WARC-Target-URI"]).path for r in responses(crawl))
    assert archived == sorted(sent)
    assert sent.count("/news/broken") == 3  # retried twice, each attempt archived
    by_id = {r[2]["WARC-Record-ID"]: r for r in crawl["records"]}
    for _, _, headers, _, _ in responses(crawl):
        request = by_id[headers["WARC-Concurrent-To"]]
        assert request[1] == "request"
        assert request[2]["WARC-Concurrent-To"] == headers["WARC-Record-ID"]
        assert request[2]["WARC-Date"] == headers["WARC-Date"]
        assert request[2]["WARC-Target-URI"] == headers["WARC-Target-URI"]
        assert headers["WARC-IP-Address"] == "127.0.0.1"
        assert headers["WARC-Payload-Digest"].startswith("sha1:")


def test_robots_txt_error_pages_redirects_and_pdf_are_archived(crawl):
    for path, status in [("/robots.txt", "200"), ("/news/missing", "404"), ("/news/broken", "500"),
                         ("/old/story", "301"), ("/news/offsite", "302"), ("/files/report.pdf", "200")]:
        assert responses(crawl, path), path
        assert {r[3].get_statuscode() for r in responses(crawl, path)} == {status}, path


def test_stored_payload_is_exactly_what_the_server_sent(crawl):
    routes = crawl["site"].routes
    checked = 0
    for _, _, headers, _, body in responses(crawl):
        route = routes.get(urlsplit(headers["WARC-Target-URI"]).path)
        if route is not None and route.raw is None:
            assert body == route.body, headers["WARC-Target-URI"]
            checked += 1
    assert checked >= 15


def test_status_line_and_headers_are_the_servers(crawl):
    (record,) = responses(crawl, "/old/story")
    assert record[3].statusline == "301 Moved Permanently"
    (record,) = responses(crawl, "/news/cookies")
    assert [v for k, v in record[3].headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]


def test_content_encoding_is_kept_where_the_server_compressed(crawl):
    for path in ("/news/gzip", "/news/gzip-chunked"):
        (record,) = responses(crawl, path)
        assert record[3].get_header("Content-Encoding") == "gzip"
        assert gzip.decompress(record[4]).startswith(b"<!DOCTYPE html>")
    (record,) = responses(crawl, "/news/plain")
    assert record[3].get_header("Content-Encoding") is None


def test_chunked_response_headers_describe_the_stored_body(crawl):
    for path in ("/news/chunked", "/news/gzip-chunked"):
        (record,) = responses(crawl, path)
        http = record[3]
        assert http.get_header("Transfer-Encoding") is None
        assert http.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
        assert http.get_header("Content-Length") == str(len(record[4]))


def test_request_records_hold_the_real_request(crawl):
    requests = [r for r in crawl["records"] if r[1] == "request"]
    (record,) = [r for r in requests if r[2]["WARC-Target-URI"].endswith("/news/plain")]
    assert record[3].protocol == "GET" and record[3].statusline.startswith("/news/plain HTTP/1.1")
    agent = record[3].get_header("User-Agent")
    assert agent.startswith("news-archive-crawler/")
    seen = [r for r in crawl["site"].requests if r.path == "/news/plain"][0]
    assert dict(seen.headers)["User-Agent"] == agent
    assert "gzip" in record[3].get_header("Accept-Encoding")


def test_robots_and_scope_are_obeyed(crawl):
    paths = crawl["site"].paths_requested()
    assert "/private/secret" not in paths
    assert paths[0] == "/robots.txt"
    hosts = {dict(r.headers).get("Host", "") for r in crawl["site"].requests}
    assert hosts == {f"127.0.0.1:{crawl['site'].port}"}  # the offsite redirect was not followed


def test_warc_files_are_closed_and_named(crawl):
    names = [p.name for p in (crawl["archive"] / "warc").iterdir() if not p.name.endswith(".stats.json")]
    assert names and not [n for n in names if n.endswith(".open")]
    for name in names:
        assert re.fullmatch(r"NEWS-\d{14}-\d{5}-[A-Za-z0-9.-]+-\d+\.warc\.gz", name)
    assert crawl["records"][0][1] == "warcinfo"
    assert b"robots: obey" in crawl["records"][0][4]


def catalog_rows(crawl):
    db = sqlite3.connect(crawl["archive"] / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    return {urlsplit(r["url"]).path: dict(r) for r in db.execute("SELECT * FROM articles")}


def test_catalog_has_one_row_per_article_pointing_at_its_response(crawl):
    rows = catalog_rows(crawl)
    assert sorted(rows) == sorted(ARTICLES)
    for row in rows.values():
        with (crawl["archive"] / "warc" / row["warc_file"]).open("rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "response"
            assert record.rec_headers["WARC-Record-ID"] == row["response_record_id"]
            assert record.rec_headers["WARC-Target-URI"] == row["url"]
            assert record.rec_headers["WARC-Payload-Digest"] == row["payload_digest"]
        assert row["fetched_at"] and row["title"] and row["text_sha1"]
        assert row["conversion_record_id"]


def test_conversion_records_hold_the_text_files(crawl):
    rows = catalog_rows(crawl)
    conversions = {r[2]["WARC-Record-ID"]: r for r in crawl["records"] if r[1] == "conversion"}
    assert len(conversions) == len(ARTICLES)
    for row in rows.values():
        record = conversions[row["conversion_record_id"]]
        assert record[2]["WARC-Refers-To"] == row["response_record_id"]
        assert record[2]["WARC-Target-URI"] == "urn:text:" + row["url"]  # never the page's own URI
        assert record[2]["Content-Type"] == "text/plain; charset=utf-8"
        assert record[4] == (crawl["archive"] / row["text_path"]).read_bytes()


def test_text_files_hold_the_article_and_none_of_the_junk(crawl):
    rows = catalog_rows(crawl)
    for path in ARTICLES:
        if path == "/news/cp1251":
            continue
        text = (crawl["archive"] / rows[path]["text_path"]).read_text(encoding="utf-8")
        for paragraph in PARAGRAPHS:
            assert paragraph in text, (path, paragraph)
        assert SUBHEADING in text
        for junk in JUNK:
            assert junk not in text, (path, junk)
        assert text.count(CAPTION) <= 1
        assert text.startswith(rows[path]["title"] + "\n\n")


def test_text_path_is_safe_and_sidecar_matches(crawl):
    rows = catalog_rows(crawl)
    for row in rows.values():
        assert re.fullmatch(r"text/127\.0\.0\.1/\d{4}/\d{2}/\d{2}/[0-9a-f]{16}-\d{6}\.txt", row["text_path"])
        sidecar = json.loads((crawl["archive"] / row["text_path"]).with_suffix(".json").read_text())
        assert sidecar["response_record_id"] == row["response_record_id"]
        assert sidecar["warc_offset"] == row["warc_offset"]


def test_page_in_windows_1251_declared_only_in_meta(crawl):
    row = catalog_rows(crawl)["/news/cp1251"]
    text = (crawl["archive"] / row["text_path"]).read_text(encoding="utf-8")
    assert row["title"] == "Мост через Онегу откроют весной"
    for sentence in CYRILLIC:
        assert sentence in text
    assert row["language"] == "ru"


def test_metadata_is_extracted(crawl):
    row = catalog_rows(crawl)["/news/plain"]
    assert row["title"] == "Icebreaker to keep northern lane open"
    assert row["author"] == "Anna Berg"
    assert row["published"].startswith("2024-02-04")
    assert row["language"] == "en"
    assert row["site_name"] == "Harbour News"


def test_non_articles_are_dropped_with_a_reason_and_still_archived(crawl):
    for path in NOT_ARTICLES:
        assert responses(crawl, path), path
    for reason in set(NOT_ARTICLES.values()):
        expected = list(NOT_ARTICLES.values()).count(reason)
        assert stat(crawl, f"extract/dropped/{reason}") == expected, reason
    assert stat(crawl, "store/articles") == len(ARTICLES)


def test_feed_export_items(crawl):
    items = {urlsplit(i["url"]).path: i for i in crawl["items"]}
    assert sorted(items) == sorted(ARTICLES)
    rows = catalog_rows(crawl)
    for path, item in items.items():
        assert "body" not in item
        assert item["text"] and PARAGRAPHS[0][:40] in item["text"] or path == "/news/cp1251"
        for key in ("title", "warc_file", "warc_offset", "response_record_id", "text_path", "text_sha1"):
            assert item[key] == rows[path][key], key


def test_text_of_every_article_is_under_archive_dir(crawl):
    archive = Path(crawl["archive"]).resolve()
    for row in catalog_rows(crawl).values():
        assert (archive / row["text_path"]).resolve().is_relative_to(archive)


def test_run_summary_next_to_the_warcs(crawl):
    (path,) = (crawl["archive"] / "warc").glob("*.stats.json")
    summary = json.loads(path.read_text())
    assert summary["finish_reason"] == "finished" and summary["exit_status"] == 0
    assert summary["archived"] == len(ARTICLES)
    assert summary["dropped"] == {r: list(NOT_ARTICLES.values()).count(r) for r in set(NOT_ARTICLES.values())}
    assert summary["warc_files"] == [p.name for p in (crawl["archive"] / "warc").glob("*.warc.gz")]
    assert summary["fetched"] == len(crawl["site"].requests)

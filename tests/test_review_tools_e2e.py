"""scrapy replay / index / wacz on the archive of a real crawl."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import zipfile
import zlib

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, keep_archive, run_crawl, scrapy_command
from tests.localsite import LocalSite
from tests.procs import Lines
from tests.pywb import Replay, pywb_bin
from tests.waiting import free_port, wait_until

pytestmark = pytest.mark.e2e

PATHS = ["/news/plain", "/news/gzip", "/news/chunked", "/news/gzip-chunked", "/news/cp1251", "/old/story",
         "/files/report.pdf", "/news/missing"]


def scrapy(archive, *args, **kwargs):
    return subprocess.run(scrapy_command(*args, "-s", f"ARCHIVE_DIR={archive}"), cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, **kwargs)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    bins = pywb_bin()  # skips when the review tools are not installed
    site = LocalSite().start()
    archive = tmp_path_factory.mktemp("review-tools") / "archive"
    result = run_crawl(archive, "urls=" + ",".join(site.url(p) for p in PATHS))
    assert result.returncode == 0, result.stderr[-2000:]
    keep_archive(archive)
    yield {"site": site, "archive": archive, "venv": bins.parent}
    site.stop()


def records(archive):
    found = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                if record.rec_type in ("response", "revisit"):
                    body = record.raw_stream.read()
                    found.append((path.name, iterator.get_record_offset(), record, body))
    return found


def decoded(record, body: bytes) -> bytes:
    return gzip.decompress(body) if record.http_headers.get_header("Content-Encoding") == "gzip" else body


def test_replay_serves_every_capture_and_indexes_new_warcs(crawled):
    archive, site = crawled["archive"], crawled["site"]
    port = free_port()
    server = subprocess.Popen(scrapy_command("replay", "--port", str(port), "--auto-interval", "1",
                                             "-s", f"ARCHIVE_DIR={archive}"),
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        lines = Lines(server)
        printed = "".join(lines.until("Ready."))
        replay = Replay(port, "news")
        captures = records(archive)
        assert len(captures) >= len(PATHS) + 1  # robots.txt too
        for _, _, record, body in captures:
            url, date = record.rec_headers["WARC-Target-URI"], record.rec_headers["WARC-Date"]
            ts = "".join(c for c in date if c.isdigit())[:14]
            status, headers, replayed = replay.get(ts, url)
            assert str(status) == record.http_headers.get_statuscode(), url
            if status == 200:
                assert replayed == decoded(record, body), url
            if "html" in (record.http_headers.get_header("Content-Type") or "") and status == 200:
                status, _, page = replay.get(ts, url, mode="mp_")
                assert status == 200 and b"<title>" in page, url
        for path in ("/news/plain", "/news/cp1251", "/news/moved"):
            assert f"127.0.0.1:{port}/news/" in printed and site.url(path) in printed
        # a later crawl's WARC is picked up while the server runs
        second = run_crawl(archive, "urls=" + site.url("/news/etag"))
        assert second.returncode == 0
        ((new, new_body),) = [(r, b) for _, _, r, b in records(archive)
                              if r.rec_headers["WARC-Target-URI"].endswith("/news/etag")]
        ts = "".join(c for c in new.rec_headers["WARC-Date"] if c.isdigit())[:14]
        wait_until(lambda: replay.get(ts, site.url("/news/etag"))[0] == 200, 60, "the new WARC to be indexed",
                   interval=0.5)
        # asked for its newest capture, the page replays as the page, never as its text record
        status, headers, latest = replay.get("29991231235959", site.url("/news/etag"))
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert latest == decoded(new, new_body)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    assert server.returncode == 0


def test_index_lines_point_at_real_gzip_members(crawled):
    archive = crawled["archive"]
    result = scrapy(archive, "index")
    assert result.returncode == 0, result.stderr
    lines = (archive / "index.cdxj").read_text().splitlines()
    assert lines == sorted(lines)
    expected = {(name, offset) for name, offset, _, _ in records(archive)}
    indexed = set()
    for line in lines:
        key, ts, fields = line.split(" ", 2)
        fields = json.loads(fields)
        data = (archive / "warc" / fields["filename"]).read_bytes()
        offset, length = int(fields["offset"]), int(fields["length"])
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        record = inflater.decompress(data[offset:offset + length])
        assert inflater.eof and not inflater.unused_data  # exactly one whole gzip member
        assert f"WARC-Target-URI: {fields['url']}\r\n".encode() in record
        indexed.add((fields["filename"], offset))
    assert indexed == expected


def test_wacz_validates_and_lists_every_article_with_its_text(crawled, tmp_path):
    archive = crawled["archive"]
    target = tmp_path / "news.wacz"
    result = scrapy(archive, "wacz", "-o", str(target))
    assert result.returncode == 0, result.stderr
    check = subprocess.run([str(crawled["venv"] / "bin" / "wacz"), "validate", "-f", str(target)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(target) as package:
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()]
        names = package.namelist()
    assert pages[0]["format"] == "json-pages-1.0" and pages[0]["hasText"] is True
    db = sqlite3.connect(archive / "catalog.sqlite")
    urls = {url for (url,) in db.execute("SELECT url FROM articles")}
    assert {p["url"] for p in pages[1:]} == urls
    for page in pages[1:]:
        assert page["title"] and len(page["text"]) > 200 and page["ts"].endswith("Z")
    assert sum(n.startswith("archive/") and n.endswith(".warc.gz") for n in names) == len(
        list((archive / "warc").glob("*.warc.gz")))


def test_wacz_of_unknown_run_is_a_clear_error(crawled, tmp_path):
    result = scrapy(crawled["archive"], "wacz", "--run", "NOPE", "-o", str(tmp_path / "x.wacz"))
    assert result.returncode == 2 and "no run 'NOPE'" in result.stderr

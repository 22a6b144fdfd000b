"""Never archive a wrong capture: crawls of a misbehaving raw-socket server.

Responses with ambiguous framing must never be attached to other URLs; failed
and cut exchanges are archived marked, count for nothing, and are fetched again
next run; an answer without a status line never becomes a response record."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, keep_archive, run_crawl, scrapy_command
from tests.localsite import article_html
from tests.rawserver import RawServer, chunked, response, sends

pytestmark = pytest.mark.e2e
HTML = [("Content-Type", "text/html; charset=utf-8")]
STORIES = 40


def story(n: int) -> bytes:
    return article_html(f"Story number {n} of the harbour desk").encode()


def records(archive: Path) -> list:
    found = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                found.append((record.rec_type, record.rec_headers, record.http_headers,
                              record.content_stream().read() if record.http_headers else record.raw_stream.read()))
    return found


def articles(archive: Path) -> dict[str, sqlite3.Row]:
    db = sqlite3.connect(archive / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return {row["url"]: row for row in db.execute("SELECT * FROM articles")}
    finally:
        db.close()


def summary(archive: Path) -> dict:
    return json.loads(sorted((archive / "warc").glob("*.stats.json"))[-1].read_text())


def verify(archive: Path) -> subprocess.CompletedProcess:
    return subprocess.run(scrapy_command("verify", "-s", f"ARCHIVE_DIR={archive}"), cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_ambiguous_framing_never_attaches_a_response_to_another_url(tmp_path):
    with RawServer() as server:
        for n in range(STORIES):
            server.routes[f"/story/{n}"] = sends(response("200 OK", HTML, story(n)))
        leftover = response("200 OK", HTML, story(999))  # bytes a broken server leaves on the connection
        server.routes["/odd/304"] = sends(response("304 Not Modified", [], length=False) + leftover)
        server.routes["/odd/204"] = sends(response("204 No Content", [], length=False) + leftover)
        server.routes["/odd/two-lengths"] = sends(response("200 OK", [*HTML, ("Content-Length", "12")], story(998)))
        two_te = story(997)
        server.routes["/odd/two-te"] = sends(response("200 OK", [*HTML, ("Transfer-Encoding", "identity"),
                                                                 ("Transfer-Encoding", "chunked")], length=False)
                                             + chunked(two_te, 300))
        odd = ["/odd/304", "/odd/204", "/odd/two-lengths", "/odd/two-te"]
        paths = [p for n in range(STORIES) for p in ([f"/story/{n}"] + ([odd[n // 10]] if n % 10 == 0 else []))]
        archive = tmp_path / "archive"
        result = run_crawl(archive, "urls=" + ",".join(server.url(p) for p in paths))
    keep_archive(archive, hostile=True)
    assert result.returncode == 0, result.stderr[-3000:]
    for kind, headers, _http, body in records(archive):
        uri = headers.get("WARC-Target-URI")
        if kind == "response" and "/story/" in uri:
            n = int(uri.rsplit("/", 1)[1])
            assert body == story(n), uri  # its own page, never another one's
    rows = articles(archive)
    for n in range(STORIES):
        row = rows[server.url(f"/story/{n}")]
        assert row["title"] == f"Story number {n} of the harbour desk"
        text = (archive / row["text_path"]).read_text()
        assert f"story number {n} of the harbour desk" in text.lower()
    # two Transfer-Encoding headers: read as chunked, no chunk-size line in the body or the text
    row = rows[server.url("/odd/two-te")]
    text = (archive / row["text_path"]).read_text()
    assert "Story number 997" in text and "12c\n" not in text and "\n0\n" not in text
    (record,) = [r for r in records(archive) if r[0] == "response" and r[1]["WARC-Target-URI"].endswith("two-te")]
    assert record[3] == two_te and record[1]["X-Archive-Framing-Error"]
    # conflicting lengths: archived as far as it came, marked, no article
    refused = [r for r in records(archive) if r[0] == "response" and r[1]["WARC-Target-URI"].endswith("lengths")]
    assert refused  # every attempt (retries too) archived, marked
    for record in refused:
        assert record[1]["WARC-Truncated"] == "unspecified"
        assert "Content-Length" in record[1]["X-Archive-Framing-Error"]
    assert server.url("/odd/two-lengths") not in rows
    assert summary(archive)["framing_errors"] >= 3
    assert verify(archive).returncode == 0


BROKEN = {
    # a 200 cut short by the connection closing
    "/a/cut": sends(response("200 OK", [*HTML, ("Content-Length", "50000")], story(1)[:300], length=False),
                    keep=False),
    # a chunk size that is not a number
    "/a/bad-chunk": sends(response("200 OK", [*HTML, ("Transfer-Encoding", "chunked")], length=False)
                          + b"10\r\n<html><body><p>x\r\nnot-a-size\r\n", keep=False),
    # more header lines than ARCHIVE_MAX_HEADER_LINES (50 in this test)
    "/a/big-head": sends(response("200 OK", [*HTML, *[("Set-Cookie", f"n{i}=v") for i in range(80)]], story(2))),
    # a 304 although nothing was asked conditionally
    "/a/not-modified": sends(response("304 Not Modified", [], length=False)),
    # 100 Continue, then the connection closes
    "/a/continue": sends(b"HTTP/1.1 100 Continue\r\n\r\n", keep=False),
    # not a status line, then the connection closes
    "/a/garbage": sends(b"HTTP/9", keep=False),
}


def hangs_after(data: bytes):
    def handler(conn, seen, server):
        conn.send(data)
        server.hang()
        return False

    return handler


def test_failed_fetches_are_archived_marked_and_fetched_again_next_run(tmp_path):
    archive = tmp_path / "archive"
    options = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_ENABLED=False", "-s", "ARCHIVE_MAX_HEADER_LINES=50")
    paths = [*BROKEN, "/a/stalled", "/a/mute"]
    with RawServer() as server:
        server.routes.update(BROKEN)
        server.routes["/a/stalled"] = hangs_after(response("200 OK", [*HTML, ("Content-Length", "9000")],
                                                           story(3)[:200], length=False))
        server.routes["/a/mute"] = hangs_after(b"HTTP")  # four bytes, then nothing until the timeout
        urls = "urls=" + ",".join(server.url(p) for p in paths)
        first = run_crawl(archive, urls, extra=options)
        keep_archive(archive, hostile=True)
        assert first.returncode == 4, first.stderr[-3000:]  # article URLs were due, nothing was archived
        found = records(archive)
        responses = {r[1]["WARC-Target-URI"].removeprefix(server.url("")): r for r in found if r[0] == "response"}
        assert responses["/a/cut"][1]["WARC-Truncated"] == "disconnect"
        assert responses["/a/bad-chunk"][1]["WARC-Truncated"] == "unspecified"
        assert responses["/a/big-head"][1]["WARC-Truncated"] == "length"
        big = responses["/a/big-head"][2].headers  # the 50 lines that fit, and the stored body's length
        assert len(big) == 51 and big[-1] == ("Content-Length", "0")
        assert responses["/a/stalled"][1]["WARC-Truncated"] == "time"
        assert responses["/a/not-modified"][2].get_statuscode() == "304"
        # no status line, no response record: what came is in a metadata record beside the request
        for path in ("/a/continue", "/a/garbage", "/a/mute"):
            assert path not in responses
        metadata = {r[1]["WARC-Target-URI"].removeprefix(server.url("")): r[3] for r in found if r[0] == "metadata"}
        assert metadata == {"/a/continue": b"HTTP/1.1 100 Continue\r\n\r\n", "/a/garbage": b"HTTP/9",
                            "/a/mute": b"HTTP"}
        checked = verify(archive)
        assert checked.returncode == 0, checked.stdout
        assert summary(archive)["no_response"] == 3

        # the server is mended: every one of them is fetched again, none counts as archived recently
        for path in paths:
            server.routes[path] = sends(response("200 OK", HTML, article_html(f"Mended {path}").encode()))
        second = run_crawl(archive, urls, extra=options)
        assert second.returncode == 0, second.stderr[-3000:]
        assert {url.removeprefix(server.url("")) for url in articles(archive)} == set(paths)
        assert summary(archive)["skipped_recent"] == 0
        third = run_crawl(archive, urls, extra=options)  # now they are archived: skipped as recent
        assert third.returncode == 0 and summary(archive)["skipped_recent"] == len(paths)
    assert verify(archive).returncode == 0


def test_a_url_over_the_length_limit_is_counted_and_named(tmp_path):
    with RawServer() as server:
        server.routes["/short"] = sends(response("200 OK", HTML, story(5)))
        long_url = server.url("/long/" + "x" * 2100)
        result = run_crawl(tmp_path / "archive", f"urls={server.url('/short')},{long_url}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"WARNING: Not fetched: URL of {len(long_url)} characters, over URLLENGTH_LIMIT=2083" in result.stderr
    assert long_url[:200] in result.stderr and long_url not in result.stderr  # named, cut short
    run = summary(tmp_path / "archive")
    assert run["url_too_long"] == 1 and run["errors"] == 1 and run["archived"] == 1


def test_a_corrupt_catalog_stops_the_run_with_exit_6_naming_the_file(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "catalog.sqlite").write_bytes(b"this is not a database" * 100)
    with RawServer() as server:
        server.routes["/short"] = sends(response("200 OK", HTML, story(6)))
        result = run_crawl(archive, f"urls={server.url('/short')}")
        assert server.requests_for("/short") == []  # nothing fetched
    assert result.returncode == 6, result.stderr[-3000:]
    assert f"cannot open the catalog {archive / 'catalog.sqlite'}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def read_only_dir(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode != 0:
        pytest.skip("needs root to make a read-only bind mount")
    yield folder
    subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_read_only_catalog_stops_the_run_with_exit_6_naming_the_file(tmp_path, read_only_dir):
    archive = read_only_dir / "archive"
    with RawServer() as server:
        server.routes["/short"] = sends(response("200 OK", HTML, story(7)))
        url = server.url("/short")
        assert run_crawl(archive, f"urls={url}").returncode == 0
        subprocess.run(["mount", "-o", "remount,ro,bind", str(read_only_dir)], check=True)
        result = run_crawl(archive, f"urls={server.url('/other')}")
    assert result.returncode == 6, result.stderr[-3000:]
    assert f"cannot open the catalog {archive / 'catalog.sqlite'}" in result.stderr
    assert "Traceback" not in result.stderr

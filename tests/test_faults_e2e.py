"""The fault suite: broken servers, hostile input and failures on our side.
Each test is one case of the robustness issue; each runs a real crawl."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import zlib
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, keep_archive, run_crawl, run_stats, scrapy_command
from tests.localsite import LocalSite, Route, article_html
from tests.procs import Lines
from tests.waiting import free_port, wait_until

pytestmark = pytest.mark.e2e
HTML = "text/html; charset=utf-8"


@pytest.fixture
def site():
    local = LocalSite()
    yield local
    local.stop()


def crawl(archive: Path, site: LocalSite, paths: list[str], *extra: str, spider_args=()):
    if not site._thread.is_alive():
        site.start()
    result = run_crawl(archive, "urls=" + ",".join(site.url(p) for p in paths), *spider_args, extra=extra)
    keep_archive(archive, hostile=True)
    return result


def warc_records(archive: Path) -> list:
    found = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                found.append((record.rec_type, record.rec_headers, record.http_headers, record.raw_stream.read()))
    return found


def responses_for(archive: Path, path: str) -> list:
    return [r for r in warc_records(archive) if r[0] == "response" and r[1]["WARC-Target-URI"].endswith(path)]


def summary(archive: Path) -> dict:
    runs = sorted((archive / "warc").glob("*.stats.json"))
    return json.loads(runs[-1].read_text())


def verify(archive: Path) -> subprocess.CompletedProcess:
    return subprocess.run(scrapy_command("verify", "-s", f"ARCHIVE_DIR={archive}"), cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def article(title: str) -> bytes:
    return article_html(title).encode()


# 1. decompression bombs ------------------------------------------------------------
def test_gzip_and_brotli_bombs_are_refused_and_the_crawl_goes_on(tmp_path, site):
    zeros = bytes(64 * 1024 * 1024)
    site.routes["/bomb/gzip"] = Route(headers=[("Content-Type", HTML), ("Content-Encoding", "gzip")],
                                      body=gzip.compress(zeros, compresslevel=1))
    site.routes["/bomb/br"] = Route(headers=[("Content-Type", HTML), ("Content-Encoding", "br")],
                                    body=brotli.compress(zeros, quality=1))
    result = crawl(tmp_path / "a", site, ["/bomb/gzip", "/bomb/br", "/news/plain"], "-s", "DOWNLOAD_MAXSIZE=2000000")
    assert result.returncode == 0, result.stderr[-2000:]
    for path in ("/bomb/gzip", "/bomb/br"):
        (record,) = responses_for(tmp_path / "a", path)  # archived as sent: small and compressed
        assert record[3] == site.routes[path].body
    assert "/news/plain" in {r["url"].split(str(site.port))[1] for r in _articles(tmp_path / "a")}
    stats = run_stats(tmp_path / "a")
    refused = {k: v for k, v in stats.items() if k == "crawl/ignored" or k.startswith("httpcompression/")}
    assert 2 in refused.values(), refused


def _articles(archive: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(archive / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    return db.execute("SELECT * FROM articles").fetchall()


# 2. sitemap XML bomb and external entities -------------------------------------------
def test_sitemap_entity_bombs_are_refused_without_expansion(tmp_path, site):
    site.routes["/laughs.xml"] = Route(headers=[("Content-Type", "application/xml")], body=(
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                   for i in range(1, 10))
        + b']><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x/&lol9;</loc></url>'
          b"</urlset>"))
    site.routes["/xxe.xml"] = Route(headers=[("Content-Type", "application/xml")], body=(
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1/&xxe;</loc></url>'
        b"</urlset>"))
    site.start()
    result = run_crawl(tmp_path / "a", "urls=" + ",".join(site.url(p) for p in ("/laughs.xml", "/xxe.xml")),
                       spider="sitemap")
    assert result.returncode == 0, result.stderr[-2000:]
    stats = run_stats(tmp_path / "a")
    assert stats["discovery/sitemap/errors"] == 2
    assert site.paths_requested() == ["/robots.txt", "/laughs.xml", "/xxe.xml"] or \
        sorted(site.paths_requested()) == sorted(["/robots.txt", "/laughs.xml", "/xxe.xml"])
    assert "discovery/sitemap/articles" not in stats  # nothing was taken from either file


# 3. other schemes, and private addresses the crawl did not start on ------------------
def test_redirects_to_other_schemes_and_private_addresses_are_never_fetched(tmp_path, site):
    site.routes["/to-file"] = Route(302, "Found", [("Location", "file:///etc/passwd")])
    site.routes["/to-ftp"] = Route(302, "Found", [("Location", "ftp://127.0.0.1/x")])
    site.routes["/to-localhost"] = Route(302, "Found", [("Location", f"http://localhost:{site.port}/news/gzip")])
    site.start()
    config = tmp_path / "sources.toml"
    config.write_text(f"""[sites.local]
allowed_domains = ["127.0.0.1", "localhost"]   # localhost allowed by name...
start_urls = ["{site.url('/to-localhost')}"]
depth = 0
""")
    blocked = run_crawl(tmp_path / "a", f"config={config}", spider="sources")
    assert blocked.returncode == 0, blocked.stderr[-2000:]
    hosts = {dict(r.headers).get("Host") for r in site.requests}
    assert f"localhost:{site.port}" not in hosts  # ...but it resolves to loopback, where the crawl did not start
    assert "non-public address" in blocked.stderr
    allowed = run_crawl(tmp_path / "b", f"config={config}", spider="sources",
                        extra=("-s", "ARCHIVE_ALLOW_PRIVATE=True"))
    assert allowed.returncode == 0
    assert f"localhost:{site.port}" in {dict(r.headers).get("Host") for r in site.requests}
    other = crawl(tmp_path / "c", site, ["/to-file", "/to-ftp", "/news/plain"])
    assert other.returncode == 0
    assert {r.path for r in site.requests} <= {"/robots.txt", "/to-localhost", "/news/gzip", "/to-file",
                                               "/to-ftp", "/news/plain", "/img/icebreaker.jpg"}  # its image


# 4. odd URLs stay inside the archive ----------------------------------------------------
def test_odd_urls_give_safe_paths_inside_the_archive(tmp_path, site):
    site.prefix_routes.append(("/odd/", Route(headers=[("Content-Type", HTML)], body=article("Odd address"))))
    paths = ["/odd/../../etc/passwd", "/odd/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/odd/" + "x" * 3000,
             "/odd/%E2%80%AE%00%0A?q=<script>&r=../../", "/odd/caf%C3%A9/%20space"]
    result = crawl(tmp_path / "a", site, paths)
    assert result.returncode == 0, result.stderr[-2000:]
    archive = (tmp_path / "a").resolve()
    rows = _articles(archive)
    assert len(rows) >= 4
    for row in rows:
        path = (archive / row["text_path"]).resolve()
        assert path.is_relative_to(archive) and path.exists()
        assert all(len(part.encode()) < 255 and part not in ("..", ".") for part in Path(row["text_path"]).parts)
        assert re.fullmatch(r"[A-Za-z0-9._/-]+", row["text_path"])
    assert not list(tmp_path.glob("etc*")) and not (tmp_path / "a" / "etc").exists()


# 5. broken exchanges -------------------------------------------------------------------
def test_redirect_loop_short_body_stalled_body_refused_404_and_retry(tmp_path, site):
    site.routes["/loop/a"] = Route(302, "Found", [("Location", "/loop/b")])
    site.routes["/loop/b"] = Route(302, "Found", [("Location", "/loop/a")])
    stall = site.never
    site.routes["/stalled"] = Route(raw=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9000\r\n\r\n"
                                        b"<html><body><p>the first part</p>", raw_then_hold=stall)
    site.routes["/flaky"] = Route(headers=[("Content-Type", HTML)], body=article("Second time lucky"))
    site.failures_left["/flaky"] = 1
    refused = f"http://127.0.0.1:{free_port()}/nobody"
    site.start()
    urls = ",".join([*(site.url(p) for p in ("/loop/a", "/short-body", "/stalled", "/missing", "/flaky")), refused])
    result = run_crawl(tmp_path / "a", f"urls={urls}", extra=("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1",
                                                              "-s", "REDIRECT_MAX_TIMES=5"))
    archive = tmp_path / "a"
    keep_archive(archive, hostile=True)
    # a host refused connections: reported as such, and the run failed (exit status 8)
    assert result.returncode == 8, result.stderr[-3000:]
    loops = [r for r in warc_records(archive) if r[0] == "response" and "/loop/" in r[1]["WARC-Target-URI"]]
    assert len(loops) == 2  # each hop archived once; the loop back is a duplicate request, dropped
    stats = run_stats(archive)
    assert stats["dupefilter/filtered"] == 1
    short = responses_for(archive, "/short-body")
    assert short and all(r[1]["WARC-Truncated"] == "disconnect" and r[3] == b"<html><body>cut" for r in short)
    stalled = responses_for(archive, "/stalled")
    assert stalled and all(r[1]["WARC-Truncated"] == "time" and r[3] == b"<html><body><p>the first part</p>"
                           for r in stalled)
    assert [r[2].get_statuscode() for r in responses_for(archive, "/flaky")] == ["500", "200"]
    assert [urlsplit_path(r["url"]) for r in _articles(archive)] == ["/flaky"]
    # refused: its robots.txt is unreachable, so the host is not crawled (RFC 9309), and both are logged,
    # the page as refused (not "Forbidden by robots.txt")
    assert stats["robotstxt/exception_count/DownloadConnectionRefusedError"] == 1
    assert f"robots.txt unreachable, disallowing the host: {refused.rsplit('/', 1)[0]}/robots.txt" in result.stderr
    refused_host = refused.split("/")[2]
    assert f"Could not fetch {refused}: the host {refused_host} refuses connections" in result.stderr
    assert stats["crawl/failed/DownloadConnectionRefusedError"] == 1
    assert stats[f"crawl/unreachable/DownloadConnectionRefusedError/{refused_host}"] == 1
    assert stats["crawl/failed/DownloadTimeoutError"] == 1
    assert stats["extract/dropped/http_status"] == 1  # the 404


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def urlsplit_path(url: str) -> str:
    from urllib.parse import urlsplit
    return urlsplit(url).path


# 6. odd bodies and headers ---------------------------------------------------------------
def test_empty_body_unknown_charset_raw_header_bytes_and_huge_page(tmp_path, site):
    site.routes["/empty"] = Route(headers=[("Content-Type", HTML)], body=b"")
    site.routes["/bad-charset"] = Route(headers=[("Content-Type", "text/html; charset=x-no-such-charset")],
                                        body=article("A page with a charset nobody knows"))
    site.routes["/raw-header"] = Route(raw=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Name: caf\xe9 \xff\r\n"
                                           b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: %d\r\n\r\n%s"
                                           % (len(article("Raw header bytes")), article("Raw header bytes")))
    rng = random.Random(3)
    vocabulary = ["ice", "harbour", "ship", "port", "winter"]
    words = [" ".join(rng.choice(vocabulary) for _ in range(40)) for _ in range(20000)]
    huge = "<html><body>" + "".join(f"<p>{w}</p>" for w in words) + "</body></html>"
    site.routes["/huge"] = Route(headers=[("Content-Type", HTML)], body=huge.encode())
    result = crawl(tmp_path / "a", site, ["/empty", "/bad-charset", "/raw-header", "/huge"],
                   "-s", "EXTRACT_MAX_BYTES=1000000")
    archive = tmp_path / "a"
    assert result.returncode == 0, result.stderr[-3000:]
    (raw,) = responses_for(archive, "/raw-header")
    assert b"X-Name: caf\xe9 \xff\r\n" in _record_block(archive, "/raw-header")
    assert [v for k, v in raw[2].headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    urls = {urlsplit_path(r["url"]) for r in _articles(archive)}
    assert {"/bad-charset", "/raw-header"} <= urls and "/empty" not in urls and "/huge" not in urls
    assert responses_for(archive, "/empty") and responses_for(archive, "/huge")
    assert run_stats(archive)["extract/dropped/too_large"] == 1
    assert verify(archive).returncode == 0


def _record_block(archive: Path, path: str) -> bytes:
    for warc in (archive / "warc").glob("*.warc.gz"):
        for member in gzip.decompress(warc.read_bytes()).split(b"WARC/1.1\r\n"):
            if b"WARC-Type: response" in member and f"{path}\r\n".encode() in member:
                return member
    raise AssertionError(path)


# 8. disk full ------------------------------------------------------------------------------
@pytest.fixture
def small_fs(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_stops_with_exit_6_and_leaves_valid_files(tmp_path, site, small_fs):
    rng = random.Random(5)
    for n in range(60):  # incompressible pages, so the disk fills after a few dozen
        noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(30000))
        site.routes[f"/big/{n}"] = Route(headers=[("Content-Type", HTML)],
                                         body=article_html(f"Big page {n}", [noise]).encode())
    archive = small_fs / "archive"
    result = crawl(archive, site, [f"/big/{n}" for n in range(60)], "-s", "CONCURRENT_REQUESTS=2")
    assert result.returncode == 6, result.stderr[-3000:]
    assert "Cannot write" in result.stderr and "No space left on device" in result.stderr
    assert len(site.requests) < 61  # it stopped instead of fetching everything
    files = list((archive / "warc").glob("*.warc.gz*"))
    assert files and not [f for f in files if f.name.endswith(".open")]
    check = verify(archive)
    assert "INVALID" not in check.stdout.replace("INVALID  catalog", ""), check.stdout


# 9. signals -----------------------------------------------------------------------------------
def _start(archive: Path, site: LocalSite, paths: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        scrapy_command("crawl", "article", "-a", "urls=" + ",".join(site.url(p) for p in paths),
                       "-s", f"ARCHIVE_DIR={archive}"),
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})


def test_two_sigterms_leave_no_corrupt_file(tmp_path, site):
    site.start()
    archive = tmp_path / "a"
    proc = _start(archive, site, ["/news/plain", "/news/gzip", "/hang"])
    lines = Lines(proc)
    try:
        assert site.wait_for_request("/hang", timeout=60)
        lines.until("Archived")
        proc.send_signal(signal.SIGTERM)
        lines.until("Received SIGTERM")  # a second signal sent before this one is handled merges with it
        proc.send_signal(signal.SIGTERM)
        output = lines.rest()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "forcing unclean shutdown" in output
    assert proc.returncode == 3
    check = verify(archive)
    assert check.returncode == 0, check.stdout
    assert "OPEN" not in check.stdout


def test_sigkill_then_next_run_recovers_the_open_file(tmp_path, site):
    site.start()
    archive = tmp_path / "a"
    proc = _start(archive, site, ["/news/plain", "/news/gzip", "/news/chunked", "/hang"])
    assert site.wait_for_request("/hang", timeout=60)
    (open_file,) = (archive / "warc").glob("*.warc.gz.open")
    # robots.txt and the three pages answered before /hang: wait (bounded) until they are on disk
    wait_until(lambda: gzip.decompress(open_file.read_bytes()).count(b"WARC-Type: response") >= 4)
    workers = children(proc.pid)
    assert workers, "the extraction pool should be running"
    proc.kill()
    proc.wait(30)
    # the pool's processes leave with the killed crawl instead of lingering
    wait_until(lambda: not [pid for pid in workers if Path(f"/proc/{pid}").exists()], timeout=30)
    # a write cut short by the kill: half a gzip member at the end
    whole = open_file.read_bytes()
    with open_file.open("ab") as stream:
        stream.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 5000)[:700])
    second = crawl(archive, site, ["/news/cookies"])
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Recovered" in second.stderr
    recovered = open_file.with_name(open_file.name[: -len(".open")])
    assert recovered.exists() and not open_file.exists()
    assert recovered.read_bytes() == whole  # every complete record kept, the partial one cut
    check = verify(archive)
    assert check.returncode == 0, check.stdout


# 10. two crawls into one archive ---------------------------------------------------------------
def test_two_processes_share_an_archive(tmp_path, site):
    for n in range(30):
        site.routes[f"/p/{n}"] = Route(headers=[("Content-Type", HTML)], body=article(f"Shared archive page {n}"))
    site.start()
    archive = tmp_path / "a"
    procs = [_start(archive, site, [f"/p/{n}" for n in range(start, 30, 2)]) for start in (0, 1)]
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out[-2000:]
    assert sorted(urlsplit_path(r["url"]) for r in _articles(archive)) == sorted(f"/p/{n}" for n in range(30))
    names = [p.name for p in (archive / "warc").glob("*.warc.gz")]
    assert len(names) == 2 and len(set(names)) == 2
    assert verify(archive).returncode == 0


# 12. credentials -----------------------------------------------------------------------------
def test_credentials_are_sent_but_not_archived(tmp_path, site):
    site.start()
    # Scrapy's http_auth_domain is compared with host:port
    args = ("http_user=archivist", "http_pass=s3cret-pass", f"http_auth_domain=127.0.0.1:{site.port}")
    run = run_crawl(tmp_path / "a", "urls=" + ",".join(site.url(p) for p in ("/news/cookies", "/news/gzip")),
                    *args, extra=("-s", "CONCURRENT_REQUESTS=1"))
    assert run.returncode == 0, run.stderr[-2000:]
    sent = {r.path: dict(r.headers) for r in site.requests}
    assert sent["/news/gzip"]["Authorization"].startswith("Basic ")
    assert "a=1" in sent["/news/gzip"].get("Cookie", "")
    archived = b"".join(gzip.decompress(p.read_bytes()) for p in (tmp_path / "a" / "warc").glob("*.warc.gz"))
    assert b"Authorization:" not in archived and b"\r\nCookie:" not in archived
    assert b"s3cret" not in archived and "s3cret" not in run.stderr
    kept = run_crawl(tmp_path / "b", "urls=" + ",".join(site.url(p) for p in ("/news/cookies", "/news/gzip")),
                     *args, extra=("-s", "CONCURRENT_REQUESTS=1", "-s", "WARC_KEEP_CREDENTIALS=True"))
    assert kept.returncode == 0
    archived = b"".join(gzip.decompress(p.read_bytes()) for p in (tmp_path / "b" / "warc").glob("*.warc.gz"))
    assert b"\r\nAuthorization: Basic " in archived and b"\r\nCookie: a=1" in archived


# 13. verify catches truncation and tampering ------------------------------------------------
def test_verify_detects_truncated_and_tampered_files(tmp_path, site):
    result = crawl(tmp_path / "a", site, ["/news/plain", "/news/gzip"])
    assert result.returncode == 0
    archive = tmp_path / "a"
    assert verify(archive).returncode == 0
    (warc,) = (archive / "warc").glob("*.warc.gz")
    data = warc.read_bytes()
    truncated = archive / "warc" / "truncated.warc.gz"
    truncated.write_bytes(data[:-100])
    check = subprocess.run(scrapy_command("verify", str(truncated), "-s", f"ARCHIVE_DIR={archive}"), cwd=REPO,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert check.returncode == 1 and "truncated" in check.stdout
    # one byte of one response body changed, every gzip member still whole
    members, rest = [], data
    while rest:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        members.append(inflater.decompress(rest))
        rest = inflater.unused_data
    index = next(i for i, m in enumerate(members) if b"WARC-Type: response" in m and b"icebreaker" in m)
    members[index] = members[index].replace(b"icebreaker", b"icebrEaker", 1)  # same length
    (archive / "warc" / "tampered.warc.gz").write_bytes(b"".join(gzip.compress(m) for m in members))
    truncated.unlink()
    check = verify(archive)
    assert check.returncode == 1 and "tampered.warc.gz" in check.stdout and "Digest" in check.stdout

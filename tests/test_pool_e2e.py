"""Extraction in worker processes: same output as in-process, crashes contained, memory bounded."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, keep_archive, run_crawl, run_stats, scrapy_command
from tests.extractors import GATE
from tests.localsite import LocalSite, Route, article_html
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e
HTML = "text/html; charset=utf-8"
COMPARED = ("url", "title", "author", "published", "language", "site_name", "canonical_url", "description",
            "text", "text_sha1", "payload_digest")


@pytest.fixture(scope="module")
def site():
    local = LocalSite()
    for n in range(12):
        local.routes[f"/story/{n}"] = Route(headers=[("Content-Type", HTML)],
                                            body=article_html(f"Pool story number {n}").encode())
    local.prefix_routes.append(("/crash/", Route(headers=[("Content-Type", HTML)],
                                                 body=article_html("The page that kills its worker").encode())))
    local.prefix_routes.append(("/hang/", Route(headers=[("Content-Type", HTML)],
                                                body=article_html("The page that never ends").encode())))
    local.start()
    yield local
    local.stop()


def stat(archive, key: str) -> int | None:
    return run_stats(archive).get(key)


def crawl(tmp_path, site, name, paths, *settings):
    archive = tmp_path / name
    items = tmp_path / f"{name}.jsonl"
    result = run_crawl(archive, "urls=" + ",".join(site.url(p) for p in paths),
                       extra=("-O", str(items), *sum((("-s", s) for s in settings), ())))
    assert result.returncode == 0, result.stderr[-3000:]
    keep_archive(archive)
    return archive, result, [json.loads(line) for line in items.read_text().splitlines()]


def conversions(archive) -> dict[str, bytes]:
    found = {}
    for path in (archive / "warc").glob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "conversion":
                    found[record.rec_headers["WARC-Target-URI"]] = record.content_stream().read()
    return found


def test_pool_and_in_process_give_identical_results(tmp_path, site):
    # The repeated-line learner depends on the order pages arrive in, which differs
    # from run to run in either path; it is held off to compare the paths themselves.
    paths = [f"/story/{n}" for n in range(12)]
    fixed = "EXTRACT_LEARN_REPEATED_LINES=False"
    one, in_process, items_one = crawl(tmp_path, site, "in-process", paths, "EXTRACT_WORKERS=0", fixed)
    two, pooled, items_two = crawl(tmp_path, site, "pool", paths, "EXTRACT_WORKERS=2", fixed)
    assert stat(two, "extract/pool/max_pending") >= 2  # the pool was really used...
    assert stat(one, "extract/pool/max_pending") is None  # ...and here it was not
    key = lambda item: item["url"]  # noqa: E731
    assert len(items_one) == len(items_two) == 12
    for a, b in zip(sorted(items_one, key=key), sorted(items_two, key=key), strict=True):
        assert {k: a[k] for k in COMPARED} == {k: b[k] for k in COMPARED}
    rows = []
    for archive in (one, two):
        db = sqlite3.connect(archive / "catalog.sqlite")
        columns = ", ".join(c for c in COMPARED if c != "text")
        rows.append(sorted(db.execute(f"SELECT {columns} FROM articles").fetchall()))
        texts = {(archive / p).read_bytes() for (p,) in db.execute("SELECT text_path FROM articles")}
        rows.append(sorted(texts))
    assert rows[0] == rows[2] and rows[1] == rows[3]
    assert conversions(one) == conversions(two)


def test_a_worker_crash_fails_that_page_and_the_crawl_goes_on(tmp_path, site):
    archive, result, items = crawl(tmp_path, site, "crash", ["/crash/1", "/story/1", "/story/2", "/story/3"],
                                   "EXTRACT_FUNCTION=tests.extractors.crash_on_marked_pages", "EXTRACT_WORKERS=2")
    assert sorted(i["url"].rsplit("/", 2)[-2] + "/" + i["url"].rsplit("/", 1)[-1] for i in items) == [
        "story/1", "story/2", "story/3"]
    assert stat(archive, "extract/dropped/extraction_error") == 1
    assert f"Extraction worker died on {site.url('/crash/1')}" in result.stderr
    with (next((archive / "warc").glob("*.warc.gz"))).open("rb") as stream:
        uris = [r.rec_headers["WARC-Target-URI"] for r in ArchiveIterator(stream) if r.rec_type == "response"]
    assert site.url("/crash/1") in uris  # its response is archived all the same


def test_a_page_over_extract_timeout_is_archived_not_extracted_and_the_crawl_goes_on(tmp_path, site):
    archive, result, items = crawl(tmp_path, site, "hang", ["/hang/1", "/story/1", "/story/2"],
                                   "EXTRACT_FUNCTION=tests.extractors.hang_on_marked_pages", "EXTRACT_WORKERS=1",
                                   "EXTRACT_TIMEOUT=1")
    assert sorted(i["url"].rsplit("/", 1)[-1] for i in items) == ["1", "2"]
    assert all("/story/" in i["url"] for i in items)
    assert stat(archive, "extract/dropped/timeout") == 1
    assert f"Extraction of {site.url('/hang/1')} ran past EXTRACT_TIMEOUT" in result.stderr
    with (next((archive / "warc").glob("*.warc.gz"))).open("rb") as stream:
        uris = [r.rec_headers["WARC-Target-URI"] for r in ArchiveIterator(stream) if r.rec_type == "response"]
    assert site.url("/hang/1") in uris  # archived all the same


def test_a_slow_extractor_does_not_let_pages_pile_up(tmp_path, site):
    for n in range(80):
        site.routes[f"/many/{n}"] = Route(headers=[("Content-Type", HTML)],
                                          body=article_html(f"One of many pages, number {n}").encode())
    page = len(site.routes["/many/0"].body)
    max_active, concurrency = 5 * page, 4
    gate = tmp_path / "gate"
    archive, items = tmp_path / "slow", tmp_path / "slow.jsonl"
    settings = ["EXTRACT_FUNCTION=tests.extractors.gated", "EXTRACT_WORKERS=1", "EXTRACT_MAX_PENDING=2",
                f"SCRAPER_SLOT_MAX_ACTIVE_SIZE={max_active}", f"CONCURRENT_REQUESTS={concurrency}"]
    cmd = scrapy_command("crawl", "article", "-s", f"ARCHIVE_DIR={archive}", "-O", str(items),
                         "-a", "urls=" + ",".join(site.url(f"/many/{n}") for n in range(80)),
                         *sum((["-s", s] for s in settings), []))
    process = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO), GATE: str(gate)})
    # While extraction is held, the byte budget is passed after max_active // page + 1 responses.
    fetched = lambda: sum(p.startswith("/many/") for p in site.paths_requested())  # noqa: E731
    wait_until(lambda: fetched() >= max_active // page + 1 or process.poll() is not None, 120,
               "the crawl to fetch past its byte budget")
    gate.touch()
    _, stderr = process.communicate(timeout=240)
    assert process.returncode == 0, stderr[-3000:]
    assert len(items.read_text().splitlines()) == 80
    # Scrapy stops fetching once the responses waiting exceed the byte budget; those
    # already downloading still arrive: at most budget/page + 1 + concurrency pages.
    bound = max_active // page + 1 + concurrency
    held = stat(archive, "extract/max_in_flight")
    assert 2 < held <= bound, (held, bound)
    assert stat(archive, "extract/pool/max_pending") == 2

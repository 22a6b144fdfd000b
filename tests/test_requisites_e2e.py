"""Page requisites end to end: a site on two loopback servers (pages and a "CDN") is
crawled three times; then, with the servers stopped, every article is replayed through
`scrapy replay` (pywb, frameless mp_ pages) and through ReplayWeb.page (served locally
from its npm package, with the run's WACZ) in headless Chromium, and compared with the
live page as the same browser rendered it before the servers stopped."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.browser import Browser, chromium
from tests.conftest import REPO, keep_archive, run_crawl, run_stats
from tests.pywb import pywb_bin
from tests.requisitesite import ARTICLES, NOT_MODIFIED_ARTICLE, SCRIPT_TEXT, requisite_paths, requisite_site
from tests.waiting import free_port

pytestmark = pytest.mark.e2e

# The document holding #live, through frames and shadow roots (pywb's page, or
# ReplayWeb.page's replay iframe inside its components), and whether it has rendered.
FIND = """(function () {
  const walk = (root) => {
    const found = root.querySelector && root.querySelector('#live');
    if (found) return found.ownerDocument;
    for (const node of root.querySelectorAll('*')) {
      if (node.shadowRoot) { const d = walk(node.shadowRoot); if (d) return d; }
      if (node.tagName === 'IFRAME') { try { const d = node.contentDocument && walk(node.contentDocument);
        if (d) return d; } catch (e) {} }
    }
    return null;
  };
  return walk(document);
})()"""
READY = f"""(function () {{
  const doc = {FIND};
  if (!doc || doc.readyState !== 'complete' || doc.fonts.status !== 'loaded') return false;
  if (doc.getElementById('live').textContent !== {json.dumps(SCRIPT_TEXT)}) return false;
  const frame = doc.querySelector('iframe');
  if (!frame || !frame.contentDocument || frame.contentDocument.readyState !== 'complete') return false;
  return [...doc.images].every(i => i.complete && i.naturalWidth > 0);
}})()"""
FRAME_RECT = f"""(function () {{
  const doc = {FIND}; let win = doc.defaultView, x = 0, y = 0;
  while (win.frameElement) {{ const r = win.frameElement.getBoundingClientRect(); x += r.left; y += r.top;
    win = win.parent; }}
  return [x, y, doc.defaultView.innerWidth, doc.defaultView.innerHeight];
}})()"""


def urls_arg(pages) -> str:
    return "urls=" + ",".join(pages.url(p) for p in ARTICLES)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = chromium()
    tmp = tmp_path_factory.mktemp("chromium-requisites")
    from tests.pageshots import PageShots  # Pillow: a test extra

    instance = Browser(binary, tmp / "profile", tmp / "chromium.log", timeout=60)
    try:
        yield PageShots(instance)
    finally:
        instance.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, request):
    pages, cdn = requisite_site()
    pages.start()
    cdn.start()
    archive = tmp_path_factory.mktemp("requisites") / "archive"
    live, marks, results = {}, [], []
    try:
        if shutil.which("chromium") or os.environ.get("CHROMIUM"):
            shots = request.getfixturevalue("browser")
            for path in ARTICLES:  # the live page, as the browser shows it, before the servers stop
                live[path] = shots.render(pages.url(path), READY)
                assert live[path].failed == [], live[path].failed
        for extra in ((), ("-s", "RECRAWL_AFTER=0"),
                      ("-s", "RECRAWL_AFTER=0", "-s", "ARCHIVE_REQUISITES_RECRAWL_AFTER=0")):
            marks.append((len(pages.requests), len(cdn.requests)))
            results.append(run_crawl(archive, urls_arg(pages), extra=extra))
        marks.append((len(pages.requests), len(cdn.requests)))
    finally:
        pages.stop()
        cdn.stop()
    keep_archive(archive)
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
    runs = [run_stats(archive, i) for i in range(3)]
    requested = [([r.path for r in pages.requests[a:c]], [r.path for r in cdn.requests[b:d]])
                 for (a, b), (c, d) in zip(marks, marks[1:], strict=False)]
    return {"archive": archive, "pages": pages, "cdn": cdn, "live": live, "runs": runs, "requested": requested,
            "requisites": requisite_paths(pages, cdn)}


def records(archive: Path) -> list[tuple[str, dict, object]]:
    found = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                found.append((record.rec_type, dict(record.rec_headers.headers), record.http_headers))
                record.content_stream().read()
    return found


def latest_capture(archive: Path, url: str) -> dict:
    db = sqlite3.connect(archive / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return dict(db.execute("SELECT * FROM captures WHERE url = ? ORDER BY fetched_at DESC LIMIT 1",
                               (url,)).fetchone())
    finally:
        db.close()


def timestamp(warc_date: str) -> str:
    return "".join(c for c in warc_date if c.isdigit())[:14]


# -- the crawls ---------------------------------------------------------------------------
def test_first_crawl_archives_every_requisite_once(crawled):
    pages, cdn = crawled["requested"][0]
    wanted = crawled["requisites"]
    for path in wanted["pages"]:
        assert pages.count(path) == 1, (path, pages)
    for path in wanted["cdn"]:
        assert cdn.count(path) == 1, (path, cdn)
    stats = crawled["runs"][0]
    assert stats["requisites/fetched"] == len(wanted["pages"]) + len(wanted["cdn"])
    assert stats.get("requisites/failed", 0) == 0 and stats["requisites/bytes"] > 0
    assert stats["store/articles"] == len(ARTICLES)  # requisites are captures, not articles
    summary = json.loads(sorted((crawled["archive"] / "warc").glob("*.stats.json"),
                                key=lambda p: p.stat().st_mtime_ns)[0].read_text())
    assert summary["requisites"] == {"fetched": stats["requisites/fetched"], "failed": 0,
                                     "bytes": stats["requisites/bytes"]}
    db = sqlite3.connect(crawled["archive"] / "catalog.sqlite")
    try:
        article_urls = {row[0] for row in db.execute("SELECT url FROM articles")}
        captured = {row[0] for row in db.execute("SELECT url FROM captures")}
    finally:
        db.close()
    assert article_urls == {crawled["pages"].url(p) for p in ARTICLES}
    assert {crawled["cdn"].url(p) for p in wanted["cdn"]} <= captured
    report = (crawled["archive"] / "reports" / summary["run"] / "report.html").read_text()
    assert "Page requisites fetched" in report and "Page requisite bytes" in report


def test_the_cdxj_index_holds_the_requisites(crawled, tmp_path):
    pywb_bin()
    index = tmp_path / "index.cdxj"
    result = subprocess.run([sys.executable, "-m", "scrapy", "index", "-o", str(index),
                             "-s", f"ARCHIVE_DIR={crawled['archive']}",
                             "-s", f"REPLAY_VENV={Path(os.environ.get('PYWB_VENV', REPO / '.venv-pywb'))}"],
                            cwd=REPO, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr[-2000:]
    text = index.read_text()
    for path in crawled["requisites"]["cdn"]:
        assert f'"url": "{crawled["cdn"].url(path)}"' in text, path


def test_second_crawl_fetches_no_shared_requisite_again(crawled):
    pages, cdn = crawled["requested"][1]
    assert sorted(p for p in pages if p in ARTICLES) == sorted(ARTICLES)  # the pages were fetched again
    assert not set(pages) & set(crawled["requisites"]["pages"])
    assert set(cdn) <= {"/robots.txt"}
    stats = crawled["runs"][1]
    assert stats.get("requisites/fetched", 0) == 0 and stats["requisites/skipped_recent"] > 0


def test_third_crawl_after_the_recrawl_age_writes_revisits_for_unchanged_requisites(crawled):
    pages, cdn = crawled["requested"][2]
    stats = crawled["runs"][2]
    assert stats["requisites/recrawled"] > 0 and stats["requisites/unchanged"] == stats["requisites/fetched"]
    cdn_url = crawled["cdn"].url
    revisits = {h["WARC-Target-URI"]: h for kind, h, _ in records(crawled["archive"]) if kind == "revisit"}
    not_modified = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    same_payload = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert revisits[cdn_url("/img/photo-300.png")]["WARC-Profile"] == not_modified  # ETag: a 304
    assert revisits[cdn_url("/img/og.png")]["WARC-Profile"] == same_payload  # no validators: the same payload


def test_a_304_is_a_server_not_modified_revisit_of_the_capture_it_confirms(crawled):
    url = crawled["pages"].url(NOT_MODIFIED_ARTICLE)
    found = records(crawled["archive"])
    by_id = {h["WARC-Record-ID"]: (kind, h, http) for kind, h, http in found}
    revisits = [(h, head) for kind, h, head in found if kind == "revisit" and h["WARC-Target-URI"] == url]
    assert len(revisits) == 2  # second and third crawl
    for headers, head in revisits:
        assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
        kind, original, original_http = by_id[headers["WARC-Refers-To"]]
        assert kind == "response" and original_http.get_statuscode() == "200"
        assert headers["WARC-Refers-To-Target-URI"] == url
        assert headers["WARC-Refers-To-Date"] == original["WARC-Date"]
        assert head.get_statuscode() == "200"  # the head of the capture it confirms ...
        assert head.get_header("X-Archive-Not-Modified").startswith("HTTP/1.1 304")  # ... and the 304 as it came
        assert head.get_header("X-Archive-Not-Modified-ETag") == f'"{NOT_MODIFIED_ARTICLE}"'


# -- replay ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scrapy_replay(crawled):
    pywb_bin()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "replay", "--port", str(port), "-s", f"ARCHIVE_DIR={crawled['archive']}",
         "-s", f"REPLAY_VENV={Path(os.environ.get('PYWB_VENV', REPO / '.venv-pywb'))}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ready."):
                break
        assert lines and lines[-1].startswith("Ready."), "".join(lines)[-3000:]
        yield port, lines
    finally:
        process.terminate()
        process.wait(30)


def test_scrapy_replay_starts_without_warnings(scrapy_replay):
    _, lines = scrapy_replay
    output = "".join(lines)
    assert "config.yaml" not in output and "No such file" not in output and "Warning" not in output, output


def check_replay(crawled, rendered, path: str) -> None:
    assert rendered.failed == [], (path, rendered.failed)
    shot, live = rendered.screenshot, crawled["live"][path].screenshot
    from tests.pageshots import same_pixels

    share = same_pixels(shot, live)
    if share < 0.99 and os.environ.get("REPLAY_SHOTS"):  # where to look at them
        name = path.strip("/").replace("/", "-")
        Path(os.environ["REPLAY_SHOTS"], f"replay-{name}.png").write_bytes(shot)
        Path(os.environ["REPLAY_SHOTS"], f"live-{name}.png").write_bytes(live)
    assert share >= 0.99, f"{path}: {share:.4f} of the pixels as on the live page"


@pytest.mark.parametrize("path", list(ARTICLES))
def test_every_article_replays_in_pywb_as_the_live_page(crawled, scrapy_replay, browser, path):
    port, _ = scrapy_replay
    url = crawled["pages"].url(path)
    latest = latest_capture(crawled["archive"], url)  # for /news/ferry: the 304 of the third crawl
    rendered = browser.render(f"http://127.0.0.1:{port}/news/{timestamp(latest['fetched_at'])}mp_/{url}", READY)
    check_replay(crawled, rendered, path)


@pytest.fixture(scope="module")
def replaywebpage(crawled, tmp_path_factory):
    """ReplayWeb.page from its npm package and the last run's WACZ, on one static server."""
    tarball = os.environ.get("REPLAYWEBPAGE_TGZ") or str(REPO / ".venv" / "replaywebpage.tgz")
    if not Path(tarball).is_file():
        pytest.skip(f"ReplayWeb.page's npm package is not at {tarball} (make test fetches it with `npm pack`)")
    root = tmp_path_factory.mktemp("rwp")
    with tarfile.open(tarball) as package:
        for name in ("package/ui.js", "package/sw.js"):
            member = package.getmember(name)
            member.name = Path(name).name
            package.extract(member, root, filter="data")
    (root / "replay").mkdir()
    shutil.copy(root / "sw.js", root / "replay" / "sw.js")
    shutil.copy(root / "ui.js", root / "replay" / "ui.js")
    run = json.loads(sorted((crawled["archive"] / "warc").glob("*.stats.json"),
                            key=lambda p: p.stat().st_mtime_ns)[-1].read_text())["run"]
    wacz = root / "news.wacz"
    result = subprocess.run([sys.executable, "-m", "scrapy", "wacz", "--run", run, "-o", str(wacz),
                             "-s", f"ARCHIVE_DIR={crawled['archive']}",
                             "-s", f"REPLAY_VENV={Path(os.environ.get('PYWB_VENV', REPO / '.venv-pywb'))}"],
                            cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr[-2000:]
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {"root": root, "wacz": wacz, "port": server.server_address[1], "stdout": result.stdout}
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "application/javascript",
                      ".wacz": "application/wacz+zip"}

    def log_message(self, format, *args):
        pass


def embed_page(root: Path, url: str, ts: str) -> str:
    name = f"embed-{abs(hash((url, ts)))}.html"
    (root / name).write_text(f"""<!doctype html><html><head><link rel="icon" href="data:,">
<script src="/ui.js"></script>
<style>html, body {{ margin: 0; padding: 0; overflow: hidden; }}
replay-web-page {{ display: block; width: 100vw; height: 100vh; }}</style></head>
<body><replay-web-page source="/news.wacz" url="{url}" ts="{ts}" embed="replayonly" replaybase="/replay/">
</replay-web-page></body></html>""")
    return name


def test_the_runs_wacz_lists_every_page_the_run_captured(crawled, replaywebpage):
    assert f"{len(ARTICLES)} pages" in replaywebpage["stdout"]  # the third run: every article unchanged


@pytest.mark.parametrize("path", list(ARTICLES))
def test_every_article_replays_in_replaywebpage_as_the_live_page(crawled, replaywebpage, browser, path):
    url = crawled["pages"].url(path)
    latest = latest_capture(crawled["archive"], url)
    name = embed_page(replaywebpage["root"], url, timestamp(latest["fetched_at"]))
    page = f"http://127.0.0.1:{replaywebpage['port']}/{name}"
    for attempt in range(3):  # the first load may race ReplayWeb.page's service worker registering itself
        try:
            rendered = browser.render(page, READY, timeout=30)
            break
        except AssertionError:
            if attempt == 2:
                raise
    # ReplayWeb.page's own API calls before its service worker controls the page are not the archived page's
    rendered.failed = [(url, why) for url, why in rendered.failed if "/replay/w/api/" not in url]
    x, y, width, height = browser.browser.evaluate(FRAME_RECT)
    assert (round(x), round(y)) == (0, 0), (x, y, width, height)
    check_replay(crawled, rendered, path)


def scrapy_verify(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", "verify", *map(str, paths)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_scrapy_verify_accepts_the_wacz_and_finds_a_changed_one(replaywebpage, tmp_path):
    good = scrapy_verify(replaywebpage["wacz"])
    assert good.returncode == 0 and "3 pages, datapackage digests match" in good.stdout, good.stdout + good.stderr
    changed = tmp_path / "changed.wacz"
    with zipfile.ZipFile(replaywebpage["wacz"]) as source, zipfile.ZipFile(changed, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "pages/pages.jsonl":
                data = data.replace(b"Icebreaker", b"Icebr3aker")
            target.writestr(item, data)
    bad = scrapy_verify(changed)
    assert bad.returncode == 1 and "pages/pages.jsonl: sha256" in bad.stdout, bad.stdout

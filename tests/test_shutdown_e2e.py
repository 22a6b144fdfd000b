"""One SIGTERM mid-crawl leaves only closed, renamed, valid WARC files."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO, scrapy_command
from tests.localsite import LocalSite

pytestmark = pytest.mark.e2e


def test_sigterm_closes_and_renames_every_warc(tmp_path):
    site = LocalSite().start()
    archive = tmp_path / "archive"
    urls = ",".join(site.url(p) for p in ["/news/plain", "/news/gzip", "/slow/story"])
    proc = subprocess.Popen(
        scrapy_command("crawl", "article", "-a", f"urls={urls}", "-s", f"ARCHIVE_DIR={archive}"),
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        # The slow page is held by the server: the crawl is mid-flight when signalled.
        assert site.wait_for_request("/slow/story", timeout=60)
        open_files = list((archive / "warc").glob("*.warc.gz.open"))
        assert open_files, "a WARC should be open while the crawl runs"
        proc.send_signal(signal.SIGTERM)
        site.release()
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        site.stop()
    assert proc.returncode == 3, output[-2000:]  # the run did not finish
    (summary,) = (archive / "warc").glob("*.stats.json")
    assert '"finish_reason": "shutdown"' in summary.read_text()
    names = [p.name for p in (archive / "warc").iterdir() if p != summary]
    assert names and all(n.endswith(".warc.gz") for n in names), names
    for path in (archive / "warc").glob("*.warc.gz"):
        gzip.decompress(path.read_bytes())  # whole-file read: a truncated member raises
        with path.open("rb") as stream:
            types = [r.rec_type for r in ArchiveIterator(stream, check_digests="raise")]
        assert types[0] == "warcinfo" and types.count("response") == types.count("request") >= 1

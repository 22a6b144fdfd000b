"""bin/cron-crawl as cron runs it: exit status, one log per run, flock, resumable JOBDIR."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest

from tests.conftest import REPO
from tests.localsite import LocalSite

pytestmark = pytest.mark.e2e

WRAPPER = REPO / "bin" / "cron-crawl"


@pytest.fixture(autouse=True)
def needs_project_venv():
    if not (REPO / ".venv" / "bin" / "scrapy").exists():
        pytest.skip("bin/cron-crawl runs the project's .venv (make test creates it)")


def wrapper(archive, *args, **popen):
    env = {**os.environ, "ARCHIVE_DIR": str(archive)}
    # cron's environment: another working directory, a minimal PATH
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.Popen([str(WRAPPER), "article", *args], cwd="/", env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def test_success_exits_zero_with_one_log_per_run(tmp_path):
    site = LocalSite().start()
    try:
        for _ in range(2):
            run = wrapper(tmp_path / "archive", "-a", f"urls={site.url('/news/plain')}")
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
    finally:
        site.stop()
    logs = sorted((tmp_path / "archive" / "logs").glob("article-*.log"))
    assert len(logs) == 2
    assert "Spider closed (finished)" in logs[0].read_text()
    assert not (tmp_path / "archive" / "jobs" / "article").exists()


def test_site_down_exits_non_zero(tmp_path):
    site = LocalSite()  # never started: nothing listens on its port
    site.server.server_close()
    run = wrapper(tmp_path / "archive", "-a", f"urls={site.url('/news/plain')}", "-s", "RETRY_TIMES=0")
    _, err = run.communicate(timeout=120)
    assert run.returncode == 8, err  # the host refuses connections: the run failed
    assert "exited with status 8" in err
    (summary,) = (tmp_path / "archive" / "warc").glob("*.stats.json")
    assert json.loads(summary.read_text())["errors"] >= 1


def test_second_run_while_first_is_running_exits_without_crawling(tmp_path):
    site = LocalSite().start()
    archive = tmp_path / "archive"
    try:
        first = wrapper(archive, "-a", f"urls={site.url('/slow/story')}")
        assert site.wait_for_request("/slow/story", timeout=60)
        second = wrapper(archive, "-a", f"urls={site.url('/news/plain')}")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 75, err
        assert "still going" in err
        site.release()
        first.communicate(timeout=120)
        assert first.returncode == 0
        assert "/news/plain" not in site.paths_requested()
    finally:
        site.stop()
    assert len(list((archive / "logs").glob("*.log"))) == 1


def test_interrupted_run_is_continued_by_the_next(tmp_path):
    site = LocalSite().start()
    archive = tmp_path / "archive"
    queued = ["/news/plain", "/news/gzip", "/news/chunked"]
    urls = "urls=" + ",".join(site.url(p) for p in ["/slow/story", *queued])
    one_at_a_time = ("-s", "CONCURRENT_REQUESTS=1")
    try:
        first = wrapper(archive, "-a", urls, *one_at_a_time)
        assert site.wait_for_request("/slow/story", timeout=60)
        first.send_signal(signal.SIGTERM)
        site.release()
        _, err = first.communicate(timeout=120)
        assert first.returncode == 3, err  # did not finish
        assert (archive / "jobs" / "article").is_dir()
        before = site.paths_requested()
        second = wrapper(archive, "-a", urls, *one_at_a_time)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        after = site.paths_requested()[len(before):]
    finally:
        site.stop()
    fetched_first = [p for p in before if p in queued]
    assert sorted(fetched_first + [p for p in after if p in queued]) == sorted(queued)
    assert "/slow/story" not in after  # already archived by the interrupted run
    assert not (archive / "jobs" / "article").exists()

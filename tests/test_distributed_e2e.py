"""Distributed crawling on a real redis-server: several `scrapy crawl` workers share one
frontier (scrapy-redis), a killed worker loses nothing, Redis going away is survived or
reported with exit status 7, and requests that never reached Redis are queued later."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.distributed.connection import Keys
from crawler.distributed.frontier import Frontier
from tests.conftest import REPO, keep_archive, scrapy_command
from tests.procs import Lines
from tests.redisserver import RedisServer
from tests.staticsite import StaticSite
from tests.waiting import wait_until

sys.path.insert(0, str(REPO / "benchmarks"))
import newssite  # noqa: E402

pytestmark = pytest.mark.e2e
PAGES = 240


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    root = tmp_path_factory.mktemp("newssite")
    site = StaticSite(root)
    newssite.generate(root, PAGES, seed=11, base=site.base)
    site.start()
    site.articles = {site.base + path for path, *_ in json.loads((root / "manifest.json").read_text())["articles"]}
    yield site
    site.stop()


class Worker:
    """`scrapy crawl SPIDER -s DISTRIBUTED=1` in a subprocess, its output read line by line."""

    def __init__(self, redis_url: str, prefix: str, archive: Path, *args: str, spider: str = "sitemap",
                 settings: tuple[str, ...] = ()):
        cmd = scrapy_command("crawl", spider, "-s", "DISTRIBUTED=1", "-s", f"REDIS_URL={redis_url}",
                             "-s", f"DISTRIBUTED_KEY_PREFIX={prefix}", "-s", f"ARCHIVE_DIR={archive}",
                             "-s", "DISTRIBUTED_IDLE_EXIT=1", "-s", "DISTRIBUTED_WORKER_TIMEOUT=3",
                             "-s", "ARCHIVE_REPORT=0", *sum((("-s", s) for s in settings), ()))
        for arg in args:
            cmd += ["-a", arg]
        self.archive = archive
        self.process = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, "PYTHONPATH": str(REPO)})
        self.lines = Lines(self.process)

    def finish(self, timeout: float = 240) -> tuple[int, str]:
        output = self.lines.rest(timeout)
        return self.process.wait(timeout=30), output


def seed(redis_url: str, prefix: str, spider: str, *urls: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        scrapy_command("seed", spider, *urls, "-s", f"REDIS_URL={redis_url}", "-s", f"DISTRIBUTED_KEY_PREFIX={prefix}"),
        cwd=REPO, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


def catalog_urls(*archives: Path) -> list[str]:
    urls = []
    for archive in archives:
        db = sqlite3.connect(archive / "catalog.sqlite")
        urls += [url for (url,) in db.execute("SELECT url FROM articles")]
        db.close()
    return urls


def warc_responses(*archives: Path) -> Counter:
    found: Counter = Counter()
    for archive in archives:
        for path in sorted((archive / "warc").glob("*.warc.gz")):
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):  # a full read: every member must be whole
                    if record.rec_type in ("response", "revisit"):
                        found[(record.rec_type, record.rec_headers["WARC-Target-URI"])] += 1
    return found


def stat(output: str, key: str) -> int:
    """A worker's stat, from the run summary its log names (each worker writes its own)."""
    summary = re.search(r"\(summary: (\S+\.stats\.json)\)", output)
    assert summary, output[-2000:]
    return json.loads(Path(summary.group(1)).read_text())["stats"].get(key, 0)


def test_two_workers_share_one_frontier(tmp_path, redis_server, news):
    prefix = "two-workers"
    result = seed(redis_server.url, prefix, "sitemap", news.base + "/sitemap.xml")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "1 start requests queued" in result.stdout
    archive = tmp_path / "archive"  # one folder shared by both, as on one machine
    workers = [Worker(redis_server.url, prefix, archive) for _ in range(2)]
    results = [w.finish() for w in workers]
    for code, output in results:
        assert code == 0, output[-3000:]
    archived = [stat(output, "store/articles") for _, output in results]
    assert all(archived), f"both workers must have archived some articles: {archived}"
    assert sum(archived) == PAGES

    # every article archived exactly once: catalog, WARC responses, and the server's own log
    urls = catalog_urls(archive)
    assert sorted(urls) == sorted(news.articles)
    responses = warc_responses(archive)
    assert all(responses[("response", url)] == 1 for url in news.articles)
    assert not any(responses[("revisit", url)] for url in news.articles)
    requested = Counter(news.base + path for path in news.requests)
    assert {url: n for url, n in requested.items() if url in news.articles and n != 1} == {}
    keep_archive(archive)

    # the frontier is drained, the run over, both workers exited; the shared catalog is complete
    state = subprocess.run(scrapy_command("frontier", "sitemap", "--json", "-s", f"REDIS_URL={redis_server.url}",
                                          "-s", f"DISTRIBUTED_KEY_PREFIX={prefix}"),
                           cwd=REPO, capture_output=True, text=True, timeout=60)
    frontier = json.loads(state.stdout)["sitemap"]
    assert (frontier["queued"], frontier["in_flight"], frontier["seen_this_run"]) == (0, 0, 0)
    assert sorted(w["state"] for w in frontier["workers"].values()) == ["exited", "exited"]
    assert sum(w["archived"] for w in frontier["workers"].values()) == PAGES
    exported = tmp_path / "all.sqlite"
    subprocess.run(scrapy_command("frontier", "--export-catalog", str(exported), "-s", f"REDIS_URL={redis_server.url}",
                                  "-s", f"DISTRIBUTED_KEY_PREFIX={prefix}"), cwd=REPO, check=True, timeout=60)
    db = sqlite3.connect(exported)
    assert sorted(u for (u,) in db.execute("SELECT url FROM articles")) == sorted(news.articles)


def test_killed_worker_loses_no_request(tmp_path, redis_server, news):
    prefix = "killed-worker"
    assert seed(redis_server.url, prefix, "sitemap", news.base + "/sitemap.xml").returncode == 0
    frontier = Frontier(redis_server.client(), Keys(prefix, "sitemap"))
    first_archive, second_archive = tmp_path / "first", tmp_path / "second"  # one folder per machine
    first = Worker(redis_server.url, prefix, first_archive)

    def first_progress():
        info = frontier.workers().get(f"{socket.gethostname()}:{first.process.pid}", {})
        return info.get("archived", 0) >= 20 and frontier.leases_by_worker().get(
            f"{socket.gethostname()}:{first.process.pid}", 0) > 0

    wait_until(first_progress, 120, "the first worker to archive 20 articles while holding requests")
    first.process.send_signal(signal.SIGKILL)
    assert first.process.wait(timeout=30) == -signal.SIGKILL
    held = frontier.leases_by_worker()[f"{socket.gethostname()}:{first.process.pid}"]  # frozen now
    assert list((first_archive / "warc").glob("*.open")), "the killed worker left its WARC file open"

    second = Worker(redis_server.url, prefix, second_archive)
    code, output = second.finish()
    assert code == 0, output[-3000:]
    assert "stopped reporting" in output
    assert stat(output, "frontier/reclaimed") == held

    # nothing lost: every article is in one of the two catalogs. Delivery is at least once: a page
    # the killed worker had stored but not yet acknowledged is fetched again and found unchanged,
    # unless the kill fell between its local and its shared catalog write; so a few rows may repeat.
    urls = catalog_urls(first_archive, second_archive)
    assert set(urls) == news.articles
    assert len(urls) - len(set(urls)) <= held
    assert frontier.size().empty

    # the killed worker's next start recovers its unfinished file
    restarted = Worker(redis_server.url, prefix, first_archive)
    code, output = restarted.finish()
    assert code == 0, output[-3000:]
    assert "Recovered an unfinished WARC file" in output
    assert not list((first_archive / "warc").glob("*.open"))
    responses = warc_responses(first_archive, second_archive)
    assert all(responses[("response", url)] >= 1 for url in news.articles)
    keep_archive(first_archive)
    keep_archive(second_archive)


def test_redis_restart_mid_crawl(tmp_path, redis_server, news):
    prefix = "redis-restart"
    assert seed(redis_server.url, prefix, "sitemap", news.base + "/sitemap.xml").returncode == 0
    frontier = Frontier(redis_server.client(), Keys(prefix, "sitemap"))
    archive = tmp_path / "archive"
    worker = Worker(redis_server.url, prefix, archive, settings=("DISTRIBUTED_REDIS_OUTAGE=120",))
    wait_until(lambda: any(w.get("archived", 0) >= 20 for w in frontier.workers().values()), 120,
               "20 articles archived")
    redis_server.stop()
    worker.lines.until("is unreachable", timeout=60)
    redis_server.start()  # same port and data folder: the frontier is back
    worker.lines.until("reachable again", timeout=60)
    code, output = worker.finish()
    assert code == 0, output[-3000:]
    assert stat(output, "frontier/redis_outages") >= 1
    assert sorted(catalog_urls(archive)) == sorted(news.articles)
    assert frontier.size().empty
    keep_archive(archive)


def test_unreachable_redis_exits_7_and_keeps_its_requests(tmp_path, redis_server, news):
    prefix = "unreachable"
    articles = sorted(news.articles)
    archive = tmp_path / "archive"
    closed = RedisServer(tmp_path)  # a port nobody listens on
    worker = Worker(closed.url, prefix, archive, "urls=" + ",".join(articles[:3]), spider="article",
                    settings=("DISTRIBUTED_REDIS_OUTAGE=1",))
    code, output = worker.finish()
    assert code == 7, output[-3000:]
    assert f"Redis at {closed.url} is unreachable" in output
    spooled = list((archive / "frontier").glob("article-*.jsonl"))
    assert len(spooled) == 1 and len(spooled[0].read_text().splitlines()) == 3

    # a worker started later with this ARCHIVE_DIR queues them again and archives them
    later = Worker(redis_server.url, prefix, archive, "urls=" + articles[3], spider="article")
    code, output = later.finish()
    assert code == 0, output[-3000:]
    assert "Queueing again 3 requests" in output
    assert sorted(catalog_urls(archive)) == articles[:4]
    assert not list((archive / "frontier").glob("*.jsonl*"))

    seeded = seed(closed.url, prefix, "article", articles[0])
    assert seeded.returncode == 1 and "is unreachable" in seeded.stdout

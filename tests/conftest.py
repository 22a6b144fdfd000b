from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.localsite import LocalSite

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def site():
    local = LocalSite().start()
    yield local
    local.stop()


def scrapy_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", *args]


def run_crawl(archive: Path, *spider_args: str, spider: str = "article", timeout: float = 180,
              extra: tuple[str, ...] = (), env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``scrapy crawl`` in a subprocess, from the repo root, into ``archive`` (``env``: more variables)."""
    cmd = scrapy_command("crawl", spider, "-s", f"ARCHIVE_DIR={archive}", *extra)
    for arg in spider_args:
        cmd += ["-a", arg]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def run_stats(archive: Path, run: int = -1) -> dict:
    """Scrapy's stats of a crawl into ``archive``, from its run summary (the last run by default)."""
    summaries = sorted((archive / "warc").glob("*.stats.json"), key=lambda p: p.stat().st_mtime_ns)
    return json.loads(summaries[run].read_text())["stats"]


def keep_archive(archive: Path, *, hostile: bool = False) -> None:
    """Copy a test crawl's archive where CI audits it: E2E_KEEP_ARCHIVE (audited and
    replayed in pywb), or for ``hostile`` crawls of the fault suite (bombs, empty
    bodies, NUL bytes in URLs: faithful captures that no replay tool renders)
    E2E_KEEP_FAULT_ARCHIVE (audited without replay)."""
    target = os.environ.get("E2E_KEEP_FAULT_ARCHIVE" if hostile else "E2E_KEEP_ARCHIVE")
    if target:
        shutil.copytree(archive, target, dirs_exist_ok=True)

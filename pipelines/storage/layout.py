"""Every path under ARCHIVE_DIR, in one place (no Scrapy imports).

    ARCHIVE_DIR/
      catalog.sqlite                             CATALOG_PATH (relative paths are inside ARCHIVE_DIR)
      warc/PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz   *.warc.gz.open while being written
      warc/RUN.stats.json                        one summary per run
      text/HOST/YYYY/MM/DD/URLHASH-hhmmss.txt    clean text, and .json beside it
      reports/RUN/report.html                    the HTML report of a run
      replay/                                    pywb's collection root (scrapy replay)
      index.cdxj                                 scrapy index's default output
      frontier/                                  distributed requests Redis never got
      logs/, jobs/SPIDER, .cron-SPIDER.lock      bin/cron-crawl (which builds the same paths in shell)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_CATALOG = "catalog.sqlite"
SAFE_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
_UNSAFE_HOST_CHARS = re.compile(r"[^a-z0-9.-]+")


def check_run_id(run_id: str) -> str:
    """A run ID as it may appear in a path; ValueError for anything else."""
    if not SAFE_RUN_ID.fullmatch(run_id or ""):
        raise ValueError(f"not a run ID: {run_id!r}")
    return run_id


def safe_host(url: str) -> str:
    """A directory name from the URL's host: [a-z0-9.-] only, never '.' or '..'."""
    host = (urlsplit(url).hostname or "").lower()
    host = _UNSAFE_HOST_CHARS.sub("_", host).strip(".")[:100]
    return host or "unknown-host"


@dataclass(frozen=True)
class ArchiveLayout:
    root: Path
    catalog_name: str = DEFAULT_CATALOG

    @classmethod
    def of(cls, archive_dir: str | os.PathLike, catalog_path: str | None = None) -> ArchiveLayout:
        return cls(Path(archive_dir), catalog_path or DEFAULT_CATALOG)

    @classmethod
    def from_settings(cls, settings) -> ArchiveLayout:
        """From the ARCHIVE_DIR and CATALOG_PATH settings (any mapping with .get)."""
        return cls.of(settings.get("ARCHIVE_DIR"), settings.get("CATALOG_PATH"))

    @property
    def catalog(self) -> Path:
        return self.root / self.catalog_name  # an absolute CATALOG_PATH stays as it is

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    def warc_file(self, name: str) -> Path:
        return self.warc_dir / name

    def stats_file(self, run_id: str) -> Path:
        return self.warc_dir / f"{check_run_id(run_id)}.stats.json"

    def stats_files(self) -> list[Path]:
        return sorted(self.warc_dir.glob("*.stats.json"))

    def report(self, run_id: str) -> Path:
        return self.root / "reports" / check_run_id(run_id) / "report.html"

    @property
    def replay_root(self) -> Path:
        return self.root / "replay"

    @property
    def index(self) -> Path:
        return self.root / "index.cdxj"

    @property
    def frontier_spool(self) -> Path:
        return self.root / "frontier"

    @staticmethod
    def text_relpath(url: str, fetched_at: dt.datetime) -> str:
        """``text/HOST/YYYY/MM/DD/URLHASH-hhmmss.txt``: host, date and hash, no raw URL characters."""
        url_hash = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
        return os.path.join("text", safe_host(url), fetched_at.strftime("%Y/%m/%d"),
                            f"{url_hash}-{fetched_at.strftime('%H%M%S')}.txt")

    def path(self, relpath: str) -> Path:
        """A path stored relative to ARCHIVE_DIR (text_path) as a path."""
        return self.root / relpath

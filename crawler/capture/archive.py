"""The archive of one crawl, as a Scrapy extension: its WARC writer, its catalog, its
layout and run ID. Every other component reaches it with
``crawler.get_extension(Archive)``.

Opened on ``spider_opened`` (``.open`` files an earlier crawl left are recovered first)
and closed on ``spider_closed``. ``capture()`` archives one exchange the download handler
made (pipelines/storage/exchanges.py); ``write_text()`` the clean text of an article. A
write that fails (disk full, I/O error) stops the crawl with exit status 6.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import logging
import os
import socket
import sqlite3

import scrapy
from scrapy import signals
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

from crawler import __version__
from crawler.exit_status import WRITE_FAILED_REASON
from pipelines.storage.catalog import Catalog, CatalogError
from pipelines.storage.checks import recover_directory
from pipelines.storage.exchanges import Capture, ExchangeArchiver
from pipelines.storage.layout import ArchiveLayout
from pipelines.storage.records import RecordLocation, WarcFormat
from pipelines.storage.warc import WarcFileWriter

from .exchange import RawExchange

logger = logging.getLogger(__name__)


def _in_event_loop() -> bool:
    """Inside a crawl (its reactor runs an asyncio loop); not in components built by tests."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Archive:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.layout = ArchiveLayout.from_settings(settings)
        started = dt.datetime.now(dt.UTC)
        # This crawl run's name: PREFIX-YYYYMMDDhhmmss-HOST-PID, on catalog rows and its stats file.
        self.run_id = f"{settings.get('WARC_PREFIX')}-{started:%Y%m%d%H%M%S}-{socket.gethostname()}-{os.getpid()}"
        self.warc_enabled = settings.getbool("WARC_ENABLED")
        self.dedup = settings.getbool("WARC_DEDUP")
        self.keep_credentials = settings.getbool("WARC_KEEP_CREDENTIALS")
        self.index_class = settings.get("CATALOG_INDEX")
        self.commit_every = settings.getint("CATALOG_COMMIT_EVERY")
        self.commit_interval = settings.getfloat("CATALOG_COMMIT_INTERVAL")
        self._committer = None  # a looping call committing rows that waited (see open)
        self.warc_format = WarcFormat.of(settings.get("WARC_VERSION") or "1.1")
        self.writer: WarcFileWriter | None = None
        self.archiver: ExchangeArchiver | None = None
        self.catalog = None  # pipelines.storage.catalog.CatalogIndex: Catalog, or SharedCatalog
        self.local_catalog: Catalog | None = None  # the SQLite file (stories, site lines live there)

    @classmethod
    def from_crawler(cls, crawler):
        archive = cls(crawler)
        crawler.signals.connect(archive.open, signal=signals.spider_opened)
        crawler.signals.connect(archive.close, signal=signals.spider_closed)
        return archive

    # -- lifecycle ---------------------------------------------------------------------
    def open(self, spider=None) -> None:
        try:
            self.local_catalog = Catalog(self.layout.catalog, commit_every=self.commit_every,
                                         commit_interval=self.commit_interval)
        except CatalogError as exc:
            self.write_failed(exc, "the catalog")
            return
        if self.commit_interval > 0 and _in_event_loop():
            # rows that waited that long are committed even while nothing else is written
            self._committer = create_looping_call(self._commit_due)
            self._committer.start(self.commit_interval, now=False)
        self.catalog = self.local_catalog
        if self.index_class:  # the distributed mode's shared lookups, over the local file
            self.catalog = load_object(self.index_class).from_settings(self.local_catalog, self.crawler.settings)
        if self.warc_enabled:
            # A crawl killed mid-write left .open files: cut them back to their last
            # complete record and rename them before writing anything new.
            for path in recover_directory(os.fspath(self.layout.warc_dir)):
                self.stats.inc_value("warc/recovered_files")
                logger.warning("Recovered an unfinished WARC file of an earlier crawl: %s", path)
            self.writer = self._new_writer()
            self.archiver = ExchangeArchiver(self.writer, self.catalog, run_id=self.run_id, dedup=self.dedup,
                                             keep_credentials=self.keep_credentials, count=self.stats.inc_value)
            # A forced stop (second SIGTERM) skips spider_closed; the interpreter's
            # exit still closes and renames the file (close is idempotent).
            atexit.register(self.writer.close)

    def _new_writer(self) -> WarcFileWriter:
        settings = self.crawler.settings
        return WarcFileWriter(
            self.layout.warc_dir,
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            gzip_level=settings.getint("WARC_GZIP_LEVEL"),
            fsync=settings.getbool("WARC_FSYNC"),
            warc_format=self.warc_format,
            warcinfo={
                "software": f"news-archive-crawler/{__version__} (Scrapy {scrapy.__version__})",
                "hostname": socket.gethostname(),
                "format": f"WARC File Format {self.warc_format.version}",
                "conformsTo": self.warc_format.spec_uri,
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
                "operator": settings.get("WARC_OPERATOR"),
                "description": settings.get("WARC_DESCRIPTION"),
            },
        )

    def _commit_due(self) -> None:
        try:
            self.local_catalog.commit_if_due()
        except sqlite3.Error as exc:
            self.write_failed(exc, "the catalog")

    def close(self, spider=None, reason=None) -> None:
        if self._committer is not None and self._committer.running:
            self._committer.stop()
        if self.writer is not None:
            self.writer.close()
        if self.catalog is not None:
            self.catalog.close()

    @property
    def warc_files(self) -> list[str]:
        """The names of the WARC files this run wrote (closed, and the one still open)."""
        if self.writer is None:
            return []
        names = [os.path.basename(path) for path in self.writer.files_closed]
        return names + ([self.writer.current_filename] if self.writer.current_filename else [])

    def write_failed(self, exc: Exception, what: str) -> None:
        """The archive cannot be written (disk full, I/O error): log it clearly and
        close the spider; the run's exit status is 6 (see RunSummary)."""
        logger.critical("Cannot write %s, stopping the crawl: %s: %s", what, type(exc).__name__, exc)
        self.stats.inc_value("archive/write_errors")
        if self.stats.get_value("archive/write_error") is None:
            self.stats.set_value("archive/write_error", f"{type(exc).__name__}: {exc}")
            if self.crawler.engine is not None:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=WRITE_FAILED_REASON))

    # -- capture -----------------------------------------------------------------------
    async def capture(self, exchange: RawExchange) -> Capture | None:
        """Archive one exchange; None when nothing could be (no WARC, no status line)."""
        if self.archiver is None:
            return None
        try:
            return await self.archiver.archive(exchange)
        except (OSError, sqlite3.Error) as exc:
            # Nothing more can be archived: stop rather than fetch without keeping.
            self.write_failed(exc, f"the capture of {exchange.url}")
            raise

    def write_text(self, url: str, text: bytes, *, refers_to: str) -> RecordLocation | None:
        """The clean text as a conversion record (see WarcFileWriter.write_conversion). In the
        reactor thread: gzip of a few KB of text costs less than a hop to a worker thread."""
        if self.writer is None:
            return None
        location = self.writer.write_conversion(url, text, refers_to=refers_to, when=dt.datetime.now(dt.UTC))
        self.stats.inc_value("warc/records")
        return location

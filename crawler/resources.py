"""The resources one crawl shares between components: its WARC writer and its
catalog. Created on first use, closed when the spider closes (Scrapy closes the
spider after the item pipelines finish, also on a graceful shutdown)."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import socket
import weakref

import scrapy
from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler import __version__
from pipelines.catalog import Catalog, CatalogError
from pipelines.warc import WarcFileWriter
from pipelines.warc_check import recover_directory

logger = logging.getLogger(__name__)

_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_run_ids: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_catalogs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def run_id(crawler) -> str:
    """This crawl run's name: PREFIX-YYYYMMDDhhmmss-HOST-PID, on catalog rows and its stats file."""
    if crawler not in _run_ids:
        started = dt.datetime.now(dt.UTC)
        _run_ids[crawler] = (f"{crawler.settings.get('WARC_PREFIX')}-{started:%Y%m%d%H%M%S}-"
                             f"{socket.gethostname()}-{os.getpid()}")
    return _run_ids[crawler]


def warc_directory(settings) -> str:
    return os.path.join(settings.get("ARCHIVE_DIR"), "warc")


def catalog_path(settings) -> str:
    return os.path.join(settings.get("ARCHIVE_DIR"), settings.get("CATALOG_PATH"))


def _close_with_spider(crawler, close) -> None:
    def closer(spider=None, reason=None):
        close()

    crawler.signals.connect(closer, signal=signals.spider_closed, weak=False)


def warc_writer(crawler) -> WarcFileWriter:
    writer = _writers.get(crawler)
    if writer is None:
        settings = crawler.settings
        # A crawl killed mid-write left .open files: cut them back to their last
        # complete record and rename them before writing anything new.
        for path in recover_directory(warc_directory(settings)):
            crawler.stats.inc_value("warc/recovered_files")
            logger.warning("Recovered an unfinished WARC file of an earlier crawl: %s", path)
        writer = WarcFileWriter(
            warc_directory(settings),
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            gzip_level=settings.getint("WARC_GZIP_LEVEL"),
            fsync=settings.getbool("WARC_FSYNC"),
            warcinfo={
                "software": f"news-archive-crawler/{__version__} (Scrapy {scrapy.__version__})",
                "hostname": socket.gethostname(),
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
                "operator": settings.get("WARC_OPERATOR"),
                "description": settings.get("WARC_DESCRIPTION"),
            },
        )
        _writers[crawler] = writer
        _close_with_spider(crawler, writer.close)
        # A forced stop (second SIGTERM) skips spider_closed; the interpreter's
        # exit still closes and renames the file (close is idempotent).
        atexit.register(writer.close)
    return writer


def catalog(crawler) -> Catalog:
    db = _catalogs.get(crawler)
    if db is None:
        try:
            db = Catalog(catalog_path(crawler.settings))
        except CatalogError as exc:
            logger.critical("%s", exc)
            raise
        if crawler.settings.getbool("DISTRIBUTED"):
            from crawler.distributed.shared_catalog import SharedCatalog  # redis only when distributed

            db = SharedCatalog.from_settings(db, crawler.settings)
        _catalogs[crawler] = db
        _close_with_spider(crawler, db.close)
    return db


WRITE_FAILED_REASON = "archive_write_failed"


def stop_on_write_error(crawler, exc: Exception, what: str) -> None:
    """The archive cannot be written (disk full, I/O error): log it clearly and
    close the spider; the run's exit status is 6 (see RunSummary)."""
    logger.critical("Cannot write %s, stopping the crawl: %s: %s", what, type(exc).__name__, exc)
    crawler.stats.inc_value("archive/write_errors")
    if crawler.stats.get_value("archive/write_error") is None:
        crawler.stats.set_value("archive/write_error", f"{type(exc).__name__}: {exc}")
        deferred_from_coro(crawler.engine.close_spider_async(reason=WRITE_FAILED_REASON))

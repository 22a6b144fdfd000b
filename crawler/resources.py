"""The resources one crawl shares between components: its WARC writer and its
catalog. Created on first use, closed when the spider closes (Scrapy closes the
spider after the item pipelines finish, also on a graceful shutdown)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import weakref

import scrapy
from scrapy import signals

from crawler import __version__
from pipelines.catalog import Catalog
from pipelines.warc import WarcFileWriter

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
    return writer


def catalog(crawler) -> Catalog:
    db = _catalogs.get(crawler)
    if db is None:
        db = Catalog(catalog_path(crawler.settings))
        _catalogs[crawler] = db
        _close_with_spider(crawler, db.close)
    return db

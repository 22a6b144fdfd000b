"""Scrapy glue between captured exchanges and the WARC writer.

One WarcFileWriter per crawler, shared by this extension (request/response
records) and the store pipeline (conversion records), closed and renamed from
``.open`` when the spider closes, which Scrapy does after the item pipelines
have finished, also on a graceful shutdown (first SIGTERM / Ctrl-C).
"""

from __future__ import annotations

import logging
import os
import socket
import weakref

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured

from pipelines.warc import RecordLocation, WarcFileWriter

from .signals import exchange_captured
from .wire import RawExchange

logger = logging.getLogger(__name__)

_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# request.meta key under which the response record's location is kept
WARC_META_KEY = "warc_response"


def warc_directory(settings) -> str:
    return os.path.join(settings.get("ARCHIVE_DIR"), "warc")


def warc_writer(crawler) -> WarcFileWriter:
    """The crawler's WARC writer, created on first use."""
    writer = _writers.get(crawler)
    if writer is None:
        settings = crawler.settings
        try:
            from crawler import __version__ as version
        except ImportError:  # pragma: no cover
            version = "unknown"
        robots = "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"
        writer = WarcFileWriter(
            warc_directory(settings),
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            gzip_level=settings.getint("WARC_GZIP_LEVEL"),
            fsync=settings.getbool("WARC_FSYNC"),
            warcinfo={
                "software": f"news-archive-crawler/{version} (Scrapy {scrapy.__version__})",
                "hostname": socket.gethostname(),
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "robots": robots,
                "http-header-user-agent": settings.get("USER_AGENT"),
                "operator": settings.get("WARC_OPERATOR"),
                "description": settings.get("WARC_DESCRIPTION"),
            },
        )
        _writers[crawler] = writer

        def close_writer(spider=None, reason=None):
            writer.close()

        crawler.signals.connect(close_writer, signal=signals.spider_closed, weak=False)
    return writer


class WarcCapture:
    """Writes a response and a request record for every captured exchange."""

    def __init__(self, writer: WarcFileWriter, stats):
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        ext = cls(warc_writer(crawler), crawler.stats)
        crawler.signals.connect(ext.exchange_captured, signal=exchange_captured)
        return ext

    def exchange_captured(self, exchange: RawExchange, request, spider=None) -> RecordLocation:
        before = self.writer.bytes_written
        response, _ = self.writer.write_exchange(
            exchange.url,
            request_block=exchange.request_block(),
            response_block=exchange.response_block(),
            when=exchange.started,
            ip_address=exchange.ip_address,
            truncated=exchange.truncated,
        )
        request.meta[WARC_META_KEY] = response
        request.meta["fetched_at"] = exchange.started.isoformat(timespec="seconds")
        self.stats.inc_value("warc/records", 2)
        self.stats.inc_value("warc/bytes", self.writer.bytes_written - before)
        if exchange.truncated:
            self.stats.inc_value(f"warc/truncated/{exchange.truncated}")
            logger.warning("Archived truncated response (%s) for %s", exchange.truncated, exchange.url)
        return response

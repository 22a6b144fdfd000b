"""The archive of one crawl, as a Scrapy extension: its WARC writer, its catalog, its
layout and run ID. Every other component reaches it with
``crawler.get_extension(Archive)``.

Opened on ``spider_opened`` (``.open`` files an earlier crawl left are recovered first)
and closed on ``spider_closed``. ``capture()`` archives one exchange the download handler
made: a response (or revisit) record and its request record, then a ``captures`` row
(written after the records are flushed). A 200 response whose payload is already
archived is written as an identical-payload-digest revisit, across runs (WARC_DEDUP).
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import logging
import os
import socket
import sqlite3
from dataclasses import asdict, dataclass

import scrapy
from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

from crawler import __version__
from crawler.exit_status import WRITE_FAILED_REASON
from pipelines.storage.blocks import request_block, response_block
from pipelines.storage.catalog import Catalog, CatalogError
from pipelines.storage.checks import recover_directory
from pipelines.storage.layout import ArchiveLayout
from pipelines.storage.records import RecordLocation, RevisitOf, sha1_digest
from pipelines.storage.warc import WarcFileWriter

from .wire import RawExchange

logger = logging.getLogger(__name__)

# Sent to the server but not stored, unless WARC_KEEP_CREDENTIALS.
CREDENTIAL_HEADERS = (b"Authorization", b"Cookie", b"Proxy-Authorization")
CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


def is_conditional(request_head: bytes) -> bool:
    """Whether the request sent carried If-None-Match or If-Modified-Since."""
    wanted = {name.lower() for name in CONDITIONAL_HEADERS}
    return any(line.partition(b":")[0].strip().lower() in wanted for line in request_head.split(b"\r\n")[1:])


@dataclass(frozen=True)
class Capture:
    """What was archived of one exchange (carried in ``request.meta[CAPTURE]``)."""

    record_id: str  # the response or revisit record written
    warc_date: str
    fetched_at: str  # when the request was sent, ISO 8601 to the second
    truncated: str | None
    conditional: bool
    # The record holding the payload: this one, or the original a revisit refers to.
    payload_record_id: str
    payload_file: str
    payload_offset: int
    payload_digest: str | None

    def as_meta(self) -> dict:
        return asdict(self)

    @classmethod
    def from_meta(cls, value: dict | None) -> Capture | None:
        return cls(**value) if value else None


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
        self.omit_headers = () if settings.getbool("WARC_KEEP_CREDENTIALS") else CREDENTIAL_HEADERS
        self.index_class = settings.get("CATALOG_INDEX")
        self.writer: WarcFileWriter | None = None
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
            self.local_catalog = Catalog(self.layout.catalog)
        except CatalogError as exc:
            self.write_failed(exc, "the catalog")
            return
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

    def close(self, spider=None, reason=None) -> None:
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
        """Archive one exchange; None when nothing could be (no WARC, no status line, a write error)."""
        if self.writer is None:
            return None
        try:
            if not exchange.status:
                self._archive_unanswered(exchange)
                return None
            return await self._archive(exchange)
        except (OSError, sqlite3.Error) as exc:
            # Nothing more can be archived: stop rather than fetch without keeping.
            self.write_failed(exc, f"the capture of {exchange.url}")
            raise

    def _original(self, exchange: RawExchange) -> tuple[RevisitOf | None, RecordLocation | None]:
        if not self.dedup or exchange.status != 200 or not exchange.body or exchange.truncated:
            return None, None
        digest = sha1_digest(exchange.body)
        row = self.catalog.original_capture(digest, exchange.url)
        if row is None:
            return None, None
        location = RecordLocation(row["warc_file"], row["warc_offset"], 0, row["record_id"], digest,
                                  row["fetched_at"])
        return RevisitOf(row["record_id"], row["url"], row["fetched_at"], digest), location

    async def _archive(self, exchange: RawExchange) -> Capture:
        revisit_of, original = self._original(exchange)
        # Digests and gzip in a worker thread (zlib and hashlib release the GIL);
        # appending stays in the reactor thread, one record pair at a time.
        prepared = await asyncio.to_thread(
            self.writer.prepare_exchange, exchange.url,
            request_block=request_block(exchange.request_head, exchange.request_body, self.omit_headers),
            response_block=response_block(exchange), when=exchange.started, ip_address=exchange.ip_address,
            truncated=exchange.truncated, framing_error=exchange.framing_error, revisit_of=revisit_of,
        )
        before = self.writer.bytes_written
        response, _ = self.writer.append(prepared)
        conditional = is_conditional(exchange.request_head)
        header = exchange.header
        self.catalog.add_capture({
            "url": exchange.url, "fetched_at": response.date, "status": exchange.status,
            "record_type": response.warc_type, "record_id": response.record_id,
            "warc_file": response.filename, "warc_offset": response.offset,
            "payload_digest": response.payload_digest,
            "etag": (header(b"etag") or b"").decode("latin-1") or None,
            "last_modified": (header(b"last-modified") or b"").decode("latin-1") or None,
            "refers_to": revisit_of.record_id if revisit_of else None,
            "payload_length": len(exchange.body),
            "content_type": (header(b"content-type") or b"").decode("latin-1") or None,
            "run_id": self.run_id, "truncated": exchange.truncated, "conditional": int(conditional),
        })
        self.stats.inc_value("warc/records", 2)
        self.stats.inc_value("warc/bytes", self.writer.bytes_written - before)
        if revisit_of:
            self.stats.inc_value("warc/revisits")
            logger.info("Unchanged payload, revisit of %s: %s", revisit_of.record_id, exchange.url)
        if exchange.framing_error:
            self.stats.inc_value("capture/framing_errors")
            logger.warning("HTTP framing problem in the response of %s: %s", exchange.url, exchange.framing_error)
        if exchange.truncated:
            self.stats.inc_value(f"warc/truncated/{exchange.truncated}")
            logger.warning("Archived truncated response (%s) for %s", exchange.truncated, exchange.url)
        payload = original or response
        return Capture(
            record_id=response.record_id, warc_date=response.date,
            fetched_at=exchange.started.isoformat(timespec="seconds"), truncated=exchange.truncated,
            conditional=conditional, payload_record_id=payload.record_id, payload_file=payload.filename,
            payload_offset=payload.offset, payload_digest=payload.payload_digest,
        )

    def _archive_unanswered(self, exchange: RawExchange) -> None:
        """No status line came: never a response record. What came instead, if anything,
        is kept in a metadata record beside the request record."""
        self.stats.inc_value("capture/no_response")
        if not exchange.received:
            return
        metadata, _ = self.writer.write_unanswered(
            exchange.url, request_block=request_block(exchange.request_head, exchange.request_body, self.omit_headers),
            received=exchange.received, when=exchange.started, ip_address=exchange.ip_address,
            error=exchange.framing_error or "no HTTP status line")
        self.stats.inc_value("warc/records", 2)
        logger.warning("No HTTP response from %s: the %d bytes received are in metadata record %s",
                       exchange.url, len(exchange.received), metadata.record_id)

    def write_text(self, url: str, text: bytes, *, refers_to: str) -> RecordLocation | None:
        """The clean text as a conversion record (see WarcFileWriter.write_conversion)."""
        if self.writer is None:
            return None
        location = self.writer.write_conversion(url, text, refers_to=refers_to, when=dt.datetime.now(dt.UTC))
        self.stats.inc_value("warc/records")
        return location

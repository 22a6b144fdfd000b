"""Scrapy glue between captured exchanges, the WARC writer and the catalog.

Every exchange becomes a response (or revisit) record plus a request record,
then a row in the catalog's ``captures`` table (written after the records are
flushed). A 200 response whose payload is already archived is written as an
identical-payload-digest revisit, across runs (WARC_DEDUP).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from scrapy.exceptions import NotConfigured

from crawler.resources import catalog, run_id, stop_on_write_error, warc_writer
from pipelines.catalog import Catalog
from pipelines.warc import RecordLocation, RevisitOf, WarcFileWriter, request_block, response_block, sha1_digest

from .signals import exchange_captured
from .wire import RawExchange

logger = logging.getLogger(__name__)

# request.meta keys: the record written for the exchange, and the record that
# holds its payload (the same one, or a revisit's original).
WARC_META_KEY = "warc_response"
# Sent to the server but not stored, unless WARC_KEEP_CREDENTIALS.
CREDENTIAL_HEADERS = (b"Authorization", b"Cookie", b"Proxy-Authorization")
PAYLOAD_META_KEY = "warc_payload"
CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


def is_conditional(request_head: bytes) -> bool:
    """Whether the request sent carried If-None-Match or If-Modified-Since."""
    lines = request_head.split(b"\r\n")[1:]
    wanted = {name.lower() for name in CONDITIONAL_HEADERS}
    return any(line.partition(b":")[0].strip().lower() in wanted for line in lines)


class WarcCapture:
    def __init__(self, writer: WarcFileWriter, db: Catalog, stats, dedup: bool = True, run: str | None = None,
                 keep_credentials: bool = False, on_write_error=None):
        self.run_id = run
        self.omit_headers = () if keep_credentials else CREDENTIAL_HEADERS
        self.on_write_error = on_write_error
        self.writer = writer
        self.catalog = db
        self.stats = stats
        self.dedup = dedup

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        settings = crawler.settings
        ext = cls(warc_writer(crawler), catalog(crawler), crawler.stats, settings.getbool("WARC_DEDUP"),
                  run_id(crawler), settings.getbool("WARC_KEEP_CREDENTIALS"),
                  lambda exc, what: stop_on_write_error(crawler, exc, what))
        crawler.signals.connect(ext.exchange_captured, signal=exchange_captured)
        return ext

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

    async def exchange_captured(self, exchange: RawExchange, request, spider=None) -> RecordLocation | None:
        """Archive one exchange (signal handler of the download handler)."""
        try:
            return await self._archive(exchange, request)
        except (OSError, sqlite3.Error) as exc:
            # Nothing more can be archived: stop rather than fetch without keeping.
            if self.on_write_error is None:
                raise
            self.on_write_error(exc, f"the capture of {exchange.url}")
            return None

    async def _archive(self, exchange: RawExchange, request) -> RecordLocation | None:
        if not exchange.status:
            return self._archive_unanswered(exchange)
        revisit_of, original = self._original(exchange)
        # Digests and gzip in a worker thread (zlib and hashlib release the GIL);
        # appending stays in the reactor thread, one record pair at a time.
        prepared = await asyncio.to_thread(
            self.writer.prepare_exchange,
            exchange.url,
            request_block=request_block(exchange.request_head, exchange.request_body, self.omit_headers),
            response_block=response_block(exchange),
            when=exchange.started,
            ip_address=exchange.ip_address,
            truncated=exchange.truncated,
            framing_error=exchange.framing_error,
            revisit_of=revisit_of,
        )
        before = self.writer.bytes_written
        response, _ = self.writer.append(prepared)
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
            "run_id": self.run_id,
            "truncated": exchange.truncated,
            "conditional": int(is_conditional(exchange.request_head)),
        })
        request.meta[WARC_META_KEY] = response
        request.meta[PAYLOAD_META_KEY] = original or response
        request.meta["fetched_at"] = exchange.started.isoformat(timespec="seconds")
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
        return response

    def _archive_unanswered(self, exchange: RawExchange) -> RecordLocation | None:
        """No status line came: never a response record. What came instead, if anything,
        is kept in a metadata record beside the request record."""
        self.stats.inc_value("capture/no_response")
        if not exchange.received:
            return None
        metadata, _ = self.writer.write_unanswered(
            exchange.url, request_block=request_block(exchange.request_head, exchange.request_body, self.omit_headers),
            received=exchange.received, when=exchange.started, ip_address=exchange.ip_address,
            error=exchange.framing_error or "no HTTP status line")
        self.stats.inc_value("warc/records", 2)
        logger.warning("No HTTP response from %s: the %d bytes received are in metadata record %s",
                       exchange.url, len(exchange.received), metadata.record_id)
        return metadata

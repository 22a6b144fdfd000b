"""Archiving one HTTP exchange (no Scrapy imports): a response (or revisit) record and
its request record, then a ``captures`` row, written after the records are flushed. A
200 response whose payload is already archived is written as an identical-payload-digest
revisit, across runs (WARC_DEDUP); a 304 to our conditional request as a server-not-modified
revisit of the capture it confirms (so that replay shows that capture). An exchange that had no status line is never a
response record: what came instead, if anything, is kept in a metadata record.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .blocks import HttpResponse, http_head, request_block, response_block
from .catalog import CatalogIndex
from .records import NOT_MODIFIED, RecordLocation, RevisitOf, sha1_digest
from .warc import WarcFileWriter, read_block

logger = logging.getLogger(__name__)

IN_THREAD_FROM = 512 * 1024  # bytes of a response block from which its records are made in a thread

# Sent to the server but not stored, unless WARC_KEEP_CREDENTIALS.
CREDENTIAL_HEADERS = (b"Authorization", b"Cookie", b"Proxy-Authorization")
CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


def is_conditional(request_head: bytes) -> bool:
    """Whether the request sent carried If-None-Match or If-Modified-Since."""
    wanted = {name.lower() for name in CONDITIONAL_HEADERS}
    return any(line.partition(b":")[0].strip().lower() in wanted for line in request_head.split(b"\r\n")[1:])


class HttpExchange(HttpResponse, Protocol):
    """What the capturing client recorded of one exchange (crawler.capture.exchange.RawExchange)."""

    url: str
    started: dt.datetime
    request_head: bytes
    request_body: bytes
    ip_address: str | None
    status: int
    framing_error: str | None
    received: bytes

    def header(self, name: bytes) -> bytes | None: ...


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
        return dict(self.__dict__)  # plain values only: no deep copy (dataclasses.asdict) needed

    @classmethod
    def from_meta(cls, value: dict | None) -> Capture | None:
        return cls(**value) if value else None


class ExchangeArchiver:
    def __init__(self, writer: WarcFileWriter, catalog: CatalogIndex, *, run_id: str, dedup: bool = True,
                 keep_credentials: bool = False, count: Callable[..., None] = lambda key, n=1: None):
        self.writer = writer
        self.catalog = catalog
        self.run_id = run_id
        self.dedup = dedup
        self.omit_headers = () if keep_credentials else CREDENTIAL_HEADERS
        self.count = count  # stats: count(key[, n]), as Scrapy's stats.inc_value

    async def archive(self, exchange: HttpExchange) -> Capture | None:
        """The exchange's records and row; None when it had no status line."""
        if not exchange.status:
            self._archive_unanswered(exchange)
            return None
        return await self._archive(exchange)

    def _original(self, exchange: HttpExchange) -> tuple[RevisitOf | None, RecordLocation | None]:
        if exchange.status == 304 and not exchange.truncated and is_conditional(exchange.request_head):
            return self._confirmed(exchange)
        if not self.dedup or exchange.status != 200 or not exchange.body or exchange.truncated:
            return None, None
        digest = sha1_digest(exchange.body)
        row = self.catalog.original_capture(digest, exchange.url)
        if row is None:
            return None, None
        location = RecordLocation(row["warc_file"], row["warc_offset"], 0, row["record_id"], digest,
                                  row["fetched_at"])
        return RevisitOf(row["record_id"], row["url"], row["fetched_at"], digest), location

    def _confirmed(self, exchange: HttpExchange) -> tuple[RevisitOf | None, RecordLocation | None]:
        """A 304 to our conditional request: the full capture it confirms (the newest complete
        200 of the URL, through to the record holding its payload), or (None, None) when
        there is none, and the 304 is archived as a plain response."""
        row = self.catalog.last_ok_capture(exchange.url)
        if row is not None and row["record_type"] == "revisit" and row["payload_digest"]:
            row = self.catalog.original_capture(row["payload_digest"], exchange.url)
        if row is None or row["record_type"] != "response":
            return None, None
        try:
            head = http_head(read_block(self.writer.directory, row["warc_file"], row["warc_offset"]))
        except (OSError, ValueError) as exc:
            logger.warning("Cannot read the capture a 304 confirms (%s), archived as it came: %s", exc, exchange.url)
            return None, None
        location = RecordLocation(row["warc_file"], row["warc_offset"], 0, row["record_id"], row["payload_digest"],
                                  row["fetched_at"])
        return RevisitOf(row["record_id"], row["url"], row["fetched_at"], row["payload_digest"], profile=NOT_MODIFIED,
                         confirmed_head=head), location

    async def _archive(self, exchange: HttpExchange) -> Capture:
        revisit_of, original = self._original(exchange)
        block = response_block(exchange)
        prepare = functools.partial(
            self.writer.prepare_exchange, exchange.url,
            request_block=request_block(exchange.request_head, exchange.request_body, self.omit_headers),
            response_block=block, when=exchange.started, ip_address=exchange.ip_address,
            truncated=exchange.truncated, framing_error=exchange.framing_error, revisit_of=revisit_of,
        )
        # Digests and gzip of a big block in a worker thread (zlib and hashlib release the GIL);
        # of an ordinary page here: the hop to a thread costs about what gzip of 100 KB does.
        # Appending stays in this thread, one record pair at a time.
        prepared = await asyncio.to_thread(prepare) if len(block) > IN_THREAD_FROM else prepare()
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
        self.count("warc/records", 2)
        self.count("warc/bytes", self.writer.bytes_written - before)
        if revisit_of:
            self.count("warc/revisits")
            if revisit_of.profile == NOT_MODIFIED:
                self.count("warc/revisits/not_modified")
            logger.info("Unchanged (%s), revisit of %s: %s", revisit_of.profile, revisit_of.record_id, exchange.url)
        if exchange.framing_error:
            self.count("capture/framing_errors")
            logger.warning("HTTP framing problem in the response of %s: %s", exchange.url, exchange.framing_error)
        if exchange.truncated:
            self.count(f"warc/truncated/{exchange.truncated}")
            logger.warning("Archived truncated response (%s) for %s", exchange.truncated, exchange.url)
        payload = original or response
        return Capture(
            record_id=response.record_id, warc_date=response.date,
            fetched_at=exchange.started.isoformat(timespec="seconds"), truncated=exchange.truncated,
            conditional=conditional, payload_record_id=payload.record_id, payload_file=payload.filename,
            payload_offset=payload.offset, payload_digest=payload.payload_digest,
        )

    def _archive_unanswered(self, exchange: HttpExchange) -> None:
        """No status line came: never a response record. What came instead, if anything,
        is kept in a metadata record beside the request record."""
        self.count("capture/no_response")
        if not exchange.received:
            return
        metadata, _ = self.writer.write_unanswered(
            exchange.url, request_block=request_block(exchange.request_head, exchange.request_body, self.omit_headers),
            received=exchange.received, when=exchange.started, ip_address=exchange.ip_address,
            error=exchange.framing_error or "no HTTP status line")
        self.count("warc/records", 2)
        logger.warning("No HTTP response from %s: the %d bytes received are in metadata record %s",
                       exchange.url, len(exchange.received), metadata.record_id)

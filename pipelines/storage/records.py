"""WARC records as bytes: fields, digests, dates, one gzip member each (no Scrapy imports).

Blocks are written byte for byte as given (warcio's own record builder re-serialises
HTTP headers and %-encodes non-ASCII bytes, which would make the archive differ from
what the server sent), so the record head is built with warcio's StatusAndHeaders and
digested with its Digester. Everything here is pure CPU work, safe in another thread
(zlib and hashlib release the GIL); ``warc.WarcFileWriter`` appends the results.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester

from .blocks import http_head, http_payload, not_modified_block

WARC_VERSION = "WARC/1.1"
HTTP_REQUEST_TYPE = "application/http;msgtype=request"
HTTP_RESPONSE_TYPE = "application/http;msgtype=response"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Revisit profiles (the last part of the profile URI): an identical payload seen again,
# and a 304 Not Modified to a conditional request.
IDENTICAL_PAYLOAD = "identical-payload-digest"
NOT_MODIFIED = "server-not-modified"
# WARC field naming what the HTTP parser refused or found ambiguous in a response.
FRAMING_ERROR_FIELD = "X-Archive-Framing-Error"
# WARC-Target-URI of text records: never the page's own URI, so no replay tool serves
# the text for the page (Browsertrix writes its text records under urn:text: too).
TEXT_URI_PREFIX = "urn:text:"


def sha1_digest(data: bytes) -> str:
    """``sha1:BASE32`` as WARC digests are written."""
    digester = Digester("sha1")
    digester.update(data)
    return str(digester)


def make_record_id() -> str:
    return StatusAndHeadersParser.make_warc_id()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def warc_date(when: dt.datetime, *, micros: bool = True) -> str:
    """W3C timestamp in UTC, with microseconds (allowed by WARC/1.1) or to the second (WARC/1.0)."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return datetime_to_iso_date(when, use_micros=micros)


@dataclass(frozen=True)
class WarcFormat:
    """The WARC version records are written in (WARC_VERSION): its version line, its
    revisit profile URIs and its WARC-Date precision (WARC/1.0 knows only seconds)."""

    version: str = "1.1"

    @property
    def line(self) -> str:
        return f"WARC/{self.version}"

    @property
    def spec_uri(self) -> str:
        return f"https://iipc.github.io/warc-specifications/specifications/warc-format/warc-{self.version}/"

    def profile(self, name: str) -> str:
        return f"http://netpreserve.org/warc/{self.version}/revisit/{name}"

    def date(self, when: dt.datetime) -> str:
        return warc_date(when, micros=self.version != "1.0")

    @classmethod
    def of(cls, version) -> WarcFormat:
        version = str(version).strip().upper().removeprefix("WARC/")
        if version not in ("1.0", "1.1"):
            raise ValueError(f"WARC_VERSION must be 1.1 or 1.0, not {version!r}")
        return cls(version)


WARC_1_1 = WarcFormat("1.1")


@dataclass(frozen=True)
class RevisitOf:
    """The full response record that an identical payload refers to."""

    record_id: str
    target_uri: str
    date: str  # its WARC-Date, exactly as written
    payload_digest: str
    profile: str = IDENTICAL_PAYLOAD
    # server-not-modified: the HTTP head of the capture the 304 confirms (blocks.not_modified_block)
    confirmed_head: bytes | None = None


@dataclass(frozen=True)
class RecordLocation:
    """Where a record landed: enough for ``warcio extract FILE OFFSET``."""

    filename: str  # final file name, without the .open suffix
    offset: int
    length: int  # compressed length of the record's gzip member
    record_id: str
    payload_digest: str | None = None
    date: str | None = None  # WARC-Date as written
    warc_type: str = "response"


def build_record(
    warc_type: str,
    block: bytes,
    *,
    content_type: str,
    date: str,
    record_id: str,
    target_uri: str | None = None,
    extra_fields: list[tuple[str, str]] | None = None,
    payload_digest: str | None = None,
    warc_format: WarcFormat = WARC_1_1,
) -> bytes:
    """Serialise one uncompressed WARC record."""
    fields = [("WARC-Type", warc_type), ("WARC-Record-ID", record_id), ("WARC-Date", date)]
    if target_uri is not None:
        fields.append(("WARC-Target-URI", target_uri))
    fields.extend(extra_fields or ())
    fields.append(("WARC-Block-Digest", sha1_digest(block)))
    if payload_digest is not None:
        fields.append(("WARC-Payload-Digest", payload_digest))
    fields.append(("Content-Type", content_type))
    fields.append(("Content-Length", str(len(block))))
    head = StatusAndHeaders("", fields, protocol=warc_format.line).to_bytes()
    return head + block + b"\r\n\r\n"


def gzip_member(data: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(data) + compressor.flush()


@dataclass(frozen=True)
class PreparedRecord:
    """A record serialised and compressed, ready to be appended to a file."""

    member: bytes  # one gzip member
    record_id: str
    date: str
    warc_type: str
    payload_digest: str | None


def prepare_record(warc_type: str, block: bytes, *, gzip_level: int, record_id: str, date: str,
                   payload_digest: str | None = None, **fields) -> PreparedRecord:
    """Pure CPU work (digests, gzip): safe to run in another thread; zlib releases the GIL."""
    record = build_record(warc_type, block, record_id=record_id, date=date, payload_digest=payload_digest, **fields)
    return PreparedRecord(gzip_member(record, gzip_level), record_id, date, warc_type, payload_digest)



def exchange_records(
    url: str,
    *,
    request_block: bytes,
    response_block: bytes,
    when: dt.datetime,
    ip_address: str | None = None,
    truncated: str | None = None,
    framing_error: str | None = None,
    revisit_of: RevisitOf | None = None,
    gzip_level: int,
    make_id: Callable[[], str] = None,
    warc_format: WarcFormat = WARC_1_1,
) -> list[PreparedRecord]:
    """A response record and its request record, linked both ways, ready to append.

    Both carry the same WARC-Date (the time the request was sent). The
    response comes first, as Heritrix and pywb expect. With ``revisit_of``
    the response is a ``revisit`` record pointing at the original full record:
    identical-payload-digest, HTTP head only; or server-not-modified (a 304 to a
    conditional request), whose block is the confirmed capture's head with the 304's
    own lines under ``X-Archive-Not-Modified`` (blocks.not_modified_block). Touches no
    file: safe to call from another thread.
    """
    date = warc_format.date(when)
    make_id = make_id or make_record_id
    response_id, request_id = make_id(), make_id()
    common = [("WARC-IP-Address", ip_address)] if ip_address else []
    response_fields = [*common, ("WARC-Concurrent-To", request_id)]
    warc_type, payload_digest = "response", sha1_digest(http_payload(response_block))
    if revisit_of is not None:
        warc_type, payload_digest = "revisit", revisit_of.payload_digest
        if revisit_of.profile == NOT_MODIFIED:
            response_block = not_modified_block(revisit_of.confirmed_head or b"", response_block)
        else:
            response_block = http_head(response_block)
            truncated = "length"  # the block stops where the payload would start
        response_fields += [
            ("WARC-Profile", warc_format.profile(revisit_of.profile)),
            ("WARC-Refers-To", revisit_of.record_id),
            ("WARC-Refers-To-Target-URI", revisit_of.target_uri),
            ("WARC-Refers-To-Date", revisit_of.date),
        ]
    if truncated:
        response_fields.append(("WARC-Truncated", truncated))
    if framing_error:
        response_fields.append((FRAMING_ERROR_FIELD, " ".join(framing_error.split())[:500]))
    level = gzip_level
    return [
        prepare_record(warc_type, response_block, gzip_level=level, record_id=response_id, date=date,
                       payload_digest=payload_digest, content_type=HTTP_RESPONSE_TYPE, target_uri=url,
                       extra_fields=response_fields, warc_format=warc_format),
        prepare_record("request", request_block, gzip_level=level, record_id=request_id, date=date,
                       payload_digest=sha1_digest(http_payload(request_block)), content_type=HTTP_REQUEST_TYPE,
                       target_uri=url, extra_fields=[*common, ("WARC-Concurrent-To", response_id)],
                       warc_format=warc_format),
    ]

"""WARC/1.1 file writer over warcio.

Knows nothing of Scrapy. Blocks are written byte for byte as given (warcio's own
record builder re-serialises HTTP headers and %-encodes non-ASCII bytes, which
would make the archive differ from what the server sent), so this module builds
the record head with warcio's StatusAndHeaders and digests with its Digester,
and frames each record as one gzip member (IIPC per-record compression).

Files are written as ``NAME.warc.gz.open`` and renamed on close; a new file is
started when the current one passes ``max_size``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester

logger = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
OPEN_SUFFIX = ".open"
HTTP_REQUEST_TYPE = "application/http;msgtype=request"
HTTP_RESPONSE_TYPE = "application/http;msgtype=response"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# Header lines the stored block changes are kept under this prefix (pywb's convention).
ORIG_HEADER_PREFIX = b"X-Archive-Orig-"
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


def safe_hostname(host: str | None = None) -> str:
    """This machine's name as it appears in WARC file names: [A-Za-z0-9.-] only."""
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in host or socket.gethostname())


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def warc_date(when: dt.datetime) -> str:
    """W3C timestamp in UTC with microseconds (allowed by WARC/1.1)."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return datetime_to_iso_date(when, use_micros=True)


def http_payload(block: bytes) -> bytes:
    """The entity body of an HTTP message block (what follows the blank line)."""
    head_end = block.find(b"\r\n\r\n")
    return b"" if head_end < 0 else block[head_end + 4 :]


def http_head(block: bytes) -> bytes:
    """Status line and headers of an HTTP message block, with the blank line."""
    head_end = block.find(b"\r\n\r\n")
    return block if head_end < 0 else block[: head_end + 4]


class HttpResponse(Protocol):
    """What a response record is built from (the capture layer's exchange)."""

    status_line: bytes
    header_lines: list[bytes]  # as received, without line ends
    body: bytes  # transfer-decoded, content codings kept
    has_body: bool  # False for HEAD, 1xx, 204, 304: a Content-Length there describes no body
    dechunked: bool
    trailer_lines: list[bytes]
    truncated: str | None


def _field_name(line: bytes) -> bytes:
    return line.partition(b":")[0].strip().lower()


def response_block(response: HttpResponse) -> bytes:
    """Status line and header lines as received, over the stored body.

    The stored body is de-chunked, so ``Transfer-Encoding`` no longer describes
    it: it is kept as ``X-Archive-Orig-Transfer-Encoding``. A ``Content-Length``
    is kept only when it is one plain number equal to the stored body's length;
    otherwise (chunked, cut short, listed as ``N, N``, repeated or conflicting)
    every such line is kept under the prefix and one for the stored body is
    added, as also for bodies framed by the connection closing. Stored headers
    therefore always describe the stored body, and replay tools never wait for
    bytes that never came. Chunked trailer fields follow as
    ``X-Archive-Orig-Trailer-NAME``.
    """
    body = response.body
    lengths = [line for line in response.header_lines if _field_name(line) == b"content-length"]
    exact = (len(lengths) == 1 and lengths[0].partition(b":")[2].strip() == str(len(body)).encode()
             and not response.truncated and not response.dechunked)
    keep_lengths = exact or not response.has_body
    lines = []
    for line in response.header_lines:
        name = _field_name(line)
        if response.has_body and (name == b"transfer-encoding" or (name == b"content-length" and not keep_lengths)):
            line = ORIG_HEADER_PREFIX + line.lstrip()
        lines.append(line)
    lines += [ORIG_HEADER_PREFIX + b"Trailer-" + line.lstrip() for line in response.trailer_lines]
    if response.has_body and not exact and (body or response.truncated or lengths or response.dechunked):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join([response.status_line, *lines]) + b"\r\n\r\n" + body


def request_block(head: bytes, body: bytes, omit_headers: tuple[bytes, ...] = ()) -> bytes:
    """The request as sent, without the header lines named in ``omit_headers``."""
    if omit_headers:
        wanted = {name.lower() for name in omit_headers}
        lines = head[:-4].split(b"\r\n")
        kept = [lines[0], *(ln for ln in lines[1:] if _field_name(ln) not in wanted)]
        head = b"\r\n".join(kept) + b"\r\n\r\n"
    return head + body


@dataclass(frozen=True)
class RevisitOf:
    """The full response record that an identical payload refers to."""

    record_id: str
    target_uri: str
    date: str  # its WARC-Date, exactly as written
    payload_digest: str


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
    head = StatusAndHeaders("", fields, protocol=WARC_VERSION).to_bytes()
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


class WarcFileWriter:
    """Appends records to rotating ``PREFIX-TIMESTAMP-SERIAL-HOST-PID.warc.gz`` files."""

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        prefix: str = "ARCHIVE",
        max_size: int = 1_000_000_000,
        gzip_level: int = 6,
        warcinfo: dict[str, str] | None = None,
        hostname: str | None = None,
        pid: int | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        make_id: Callable[[], str] = make_record_id,
        fsync: bool = False,
    ):
        self.directory = os.fspath(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.warcinfo = dict(warcinfo or {})
        # Host names may hold characters that do not belong in a file name.
        self.hostname = safe_hostname(hostname)
        self.pid = os.getpid() if pid is None else pid
        self.clock = clock
        self.make_id = make_id
        self.fsync = fsync
        self.serial = 0
        self.records_written = 0
        self.bytes_written = 0
        self.files_closed: list[str] = []
        self._file = None
        self._filename: str | None = None
        self.write_error: OSError | None = None  # set once a write failed: no more writes

    # -- file lifecycle -------------------------------------------------
    @property
    def current_filename(self) -> str | None:
        return self._filename

    def _next_filename(self) -> str:
        stamp = self.clock().strftime("%Y%m%d%H%M%S")
        while True:
            self.serial += 1
            name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.hostname}-{self.pid}.warc.gz"
            path = os.path.join(self.directory, name)
            if not os.path.exists(path) and not os.path.exists(path + OPEN_SUFFIX):
                return name

    def _open(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        self._filename = self._next_filename()
        path = os.path.join(self.directory, self._filename + OPEN_SUFFIX)
        # "x": never append to, or clobber, another process's file.
        self._file = open(path, "xb")  # noqa: SIM115 - closed in close()
        logger.info("Opened WARC %s", path)
        self._append(gzip_member(self._warcinfo_record(self._filename), self.gzip_level))

    def _warcinfo_record(self, filename: str) -> bytes:
        body = "".join(f"{k}: {v}\r\n" for k, v in self.warcinfo.items() if v)
        return build_record(
            "warcinfo",
            body.encode("utf-8"),
            content_type="application/warc-fields",
            date=warc_date(self.clock()),
            record_id=self.make_id(),
            extra_fields=[("WARC-Filename", filename)],
        )

    def close(self) -> None:
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        path = os.path.join(self.directory, self._filename)
        os.replace(path + OPEN_SUFFIX, path)
        self.files_closed.append(path)
        logger.info("Closed WARC %s", path)
        self._filename = None

    def _cut_back(self, offset: int) -> None:
        """After a failed write (disk full): drop the partial record so the file
        stays valid up to its last complete record; the next write starts afresh."""
        stream, self._file = self._file, None
        path = os.path.join(self.directory, self._filename + OPEN_SUFFIX)
        with contextlib.suppress(OSError):  # flushing buffered bytes may fail again
            stream.close()
        try:
            if offset == 0:  # not even its warcinfo record: nothing to keep
                os.remove(path)
            else:
                os.truncate(path, offset)
                os.replace(path, os.path.join(self.directory, self._filename))
                self.files_closed.append(os.path.join(self.directory, self._filename))
        except OSError:
            logger.exception("Could not cut back %s after a failed write", path)
        self._filename = None

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    # -- writing ----------------------------------------------------------
    def _append(self, member: bytes) -> tuple[int, int]:
        offset = self._file.tell()
        try:
            self._file.write(member)
            # Flushed per record: a catalog row written after this call never
            # points past what is on disk, and a crash loses at most one record.
            self._file.flush()
        except OSError as exc:
            self.write_error = exc
            self._cut_back(offset)
            raise
        if self.fsync:
            os.fsync(self._file.fileno())
        self.records_written += 1
        self.bytes_written += len(member)
        return offset, len(member)

    def _ensure_file(self) -> None:
        if self.write_error is not None:
            raise OSError(self.write_error.errno, f"WARC writing stopped after: {self.write_error}")
        if self._file is not None and self._file.tell() >= self.max_size:
            self.close()
        if self._file is None:
            self._open()

    def write_record(
        self,
        warc_type: str,
        block: bytes,
        *,
        content_type: str,
        date: str,
        target_uri: str | None = None,
        extra_fields: list[tuple[str, str]] | None = None,
        payload_digest: str | None = None,
        record_id: str | None = None,
    ) -> RecordLocation:
        prepared = prepare_record(warc_type, block, gzip_level=self.gzip_level, record_id=record_id or self.make_id(),
                                  date=date, payload_digest=payload_digest, content_type=content_type,
                                  target_uri=target_uri, extra_fields=extra_fields)
        (location,) = self.append([prepared])
        return location

    def append(self, records: list[PreparedRecord]) -> list[RecordLocation]:
        """Append prepared records to the current file, together (rotation only before them)."""
        self._ensure_file()
        locations = []
        for prepared in records:
            offset, length = self._append(prepared.member)
            locations.append(RecordLocation(self._filename, offset, length, prepared.record_id,
                                            prepared.payload_digest, prepared.date, prepared.warc_type))
        return locations

    def write_exchange(self, url: str, **kwargs) -> tuple[RecordLocation, RecordLocation]:
        """Write a response record and its request record (see prepare_exchange)."""
        response, request = self.append(self.prepare_exchange(url, **kwargs))
        return response, request

    def prepare_exchange(
        self,
        url: str,
        *,
        request_block: bytes,
        response_block: bytes,
        when: dt.datetime,
        ip_address: str | None = None,
        truncated: str | None = None,
        framing_error: str | None = None,
        revisit_of: RevisitOf | None = None,
    ) -> list[PreparedRecord]:
        """A response record and its request record, linked both ways, ready to append.

        Both carry the same WARC-Date (the time the request was sent). The
        response comes first, as Heritrix and pywb expect. With ``revisit_of``
        the response is an identical-payload-digest ``revisit`` record: HTTP
        head only, pointing at the original full record. Touches no file:
        safe to call from another thread.
        """
        date = warc_date(when)
        response_id, request_id = self.make_id(), self.make_id()
        common = [("WARC-IP-Address", ip_address)] if ip_address else []
        response_fields = [*common, ("WARC-Concurrent-To", request_id)]
        warc_type, payload_digest = "response", sha1_digest(http_payload(response_block))
        if revisit_of is not None:
            warc_type, payload_digest = "revisit", revisit_of.payload_digest
            response_block = http_head(response_block)
            response_fields += [
                ("WARC-Profile", REVISIT_PROFILE),
                ("WARC-Refers-To", revisit_of.record_id),
                ("WARC-Refers-To-Target-URI", revisit_of.target_uri),
                ("WARC-Refers-To-Date", revisit_of.date),
            ]
            truncated = "length"  # the block stops where the payload would start
        if truncated:
            response_fields.append(("WARC-Truncated", truncated))
        if framing_error:
            response_fields.append((FRAMING_ERROR_FIELD, " ".join(framing_error.split())[:500]))
        level = self.gzip_level
        return [
            prepare_record(warc_type, response_block, gzip_level=level, record_id=response_id, date=date,
                           payload_digest=payload_digest, content_type=HTTP_RESPONSE_TYPE, target_uri=url,
                           extra_fields=response_fields),
            prepare_record("request", request_block, gzip_level=level, record_id=request_id, date=date,
                           payload_digest=sha1_digest(http_payload(request_block)), content_type=HTTP_REQUEST_TYPE,
                           target_uri=url, extra_fields=[*common, ("WARC-Concurrent-To", response_id)]),
        ]

    def write_unanswered(self, url: str, *, request_block: bytes, received: bytes, when: dt.datetime,
                         ip_address: str | None, error: str) -> tuple[RecordLocation, RecordLocation]:
        """A request that got no HTTP response: the request record, and a ``metadata``
        record holding the bytes that came instead (never a response record)."""
        date = warc_date(when)
        metadata_id, request_id = self.make_id(), self.make_id()
        common = [("WARC-IP-Address", ip_address)] if ip_address else []
        level = self.gzip_level
        metadata, request = self.append([
            prepare_record("metadata", received, gzip_level=level, record_id=metadata_id, date=date,
                           content_type="application/octet-stream", target_uri=url,
                           extra_fields=[("WARC-Concurrent-To", request_id),
                                         (FRAMING_ERROR_FIELD, " ".join(error.split())[:500])]),
            prepare_record("request", request_block, gzip_level=level, record_id=request_id, date=date,
                           payload_digest=sha1_digest(http_payload(request_block)), content_type=HTTP_REQUEST_TYPE,
                           target_uri=url, extra_fields=[*common, ("WARC-Concurrent-To", metadata_id)]),
        ])
        return metadata, request

    def write_conversion(
        self,
        url: str,
        text: bytes,
        *,
        refers_to: str,
        when: dt.datetime,
        content_type: str = "text/plain; charset=utf-8",
    ) -> RecordLocation:
        """A conversion record: text derived from the response ``refers_to``, under
        ``urn:text:URL`` (see TEXT_URI_PREFIX); the catalog links it to the page."""
        return self.write_record(
            "conversion",
            text,
            content_type=content_type,
            date=warc_date(when),
            target_uri=TEXT_URI_PREFIX + url,
            extra_fields=[("WARC-Refers-To", refers_to)],
            payload_digest=sha1_digest(text),
        )

"""WARC files: appending records (``records``) to rotating files, one gzip member per
record (IIPC per-record compression). Knows nothing of Scrapy.

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

from .blocks import http_payload
from .records import (
    FRAMING_ERROR_FIELD,
    HTTP_REQUEST_TYPE,
    TEXT_URI_PREFIX,
    WARC_1_1,
    PreparedRecord,
    RecordLocation,
    WarcFormat,
    build_record,
    exchange_records,
    gzip_member,
    make_record_id,
    prepare_record,
    sha1_digest,
    utc_now,
)

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"


def safe_hostname(host: str | None = None) -> str:
    """This machine's name as it appears in WARC file names: [A-Za-z0-9.-] only."""
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in host or socket.gethostname())


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
        warc_format: WarcFormat = WARC_1_1,
    ):
        self.warc_format = warc_format  # WARC/1.1, or WARC/1.0 (WARC_VERSION)
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
            date=self.warc_format.date(self.clock()),
            record_id=self.make_id(),
            extra_fields=[("WARC-Filename", filename)],
            warc_format=self.warc_format,
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
                                  target_uri=target_uri, extra_fields=extra_fields, warc_format=self.warc_format)
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

    def prepare_exchange(self, url: str, **kwargs) -> list[PreparedRecord]:
        """The records of one exchange, ready to append (see records.exchange_records);
        touches no file: safe to call from another thread."""
        return exchange_records(url, gzip_level=self.gzip_level, make_id=self.make_id, warc_format=self.warc_format,
                                **kwargs)

    def write_unanswered(self, url: str, *, request_block: bytes, received: bytes, when: dt.datetime,
                         ip_address: str | None, error: str) -> tuple[RecordLocation, RecordLocation]:
        """A request that got no HTTP response: the request record, and a ``metadata``
        record holding the bytes that came instead (never a response record)."""
        date = self.warc_format.date(when)
        metadata_id, request_id = self.make_id(), self.make_id()
        common = [("WARC-IP-Address", ip_address)] if ip_address else []
        level = self.gzip_level
        metadata, request = self.append([
            prepare_record("metadata", received, gzip_level=level, record_id=metadata_id, date=date,
                           content_type="application/octet-stream", target_uri=url,
                           extra_fields=[("WARC-Concurrent-To", request_id),
                                         (FRAMING_ERROR_FIELD, " ".join(error.split())[:500])],
                           warc_format=self.warc_format),
            prepare_record("request", request_block, gzip_level=level, record_id=request_id, date=date,
                           payload_digest=sha1_digest(http_payload(request_block)), content_type=HTTP_REQUEST_TYPE,
                           target_uri=url, extra_fields=[*common, ("WARC-Concurrent-To", metadata_id)],
                           warc_format=self.warc_format),
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
        (location,) = self.append([self.prepare_conversion(url, text, refers_to=refers_to, when=when,
                                                           content_type=content_type)])
        return location

    def prepare_conversion(self, url: str, text: bytes, *, refers_to: str, when: dt.datetime,
                           content_type: str = "text/plain; charset=utf-8") -> PreparedRecord:
        """The conversion record ready to append; touches no file: safe to call from another thread."""
        return prepare_record("conversion", text, gzip_level=self.gzip_level, record_id=self.make_id(),
                              date=self.warc_format.date(when), payload_digest=sha1_digest(text),
                              content_type=content_type, target_uri=TEXT_URI_PREFIX + url,
                              extra_fields=[("WARC-Refers-To", refers_to)], warc_format=self.warc_format)


def read_block(directory: str | os.PathLike, filename: str, offset: int) -> bytes:
    """The block of the record at ``offset`` of a WARC file of ``directory`` (one gzip
    member), also while the file is still being written (``.open``)."""
    path = os.path.join(os.fspath(directory), filename)
    if not os.path.exists(path):
        path += OPEN_SUFFIX
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    data = b""
    with open(path, "rb") as stream:
        stream.seek(offset)
        while not inflater.eof:
            chunk = stream.read(1 << 16)
            if not chunk:
                raise ValueError(f"truncated record at {filename}:{offset}")
            data += inflater.decompress(chunk)
    head_end = data.find(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in data[:head_end].split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    if head_end < 0 or length is None:
        raise ValueError(f"not a WARC record at {filename}:{offset}")
    return data[head_end + 4: head_end + 4 + length]

"""Checking and recovering WARC files, and the catalog's links into them (no Scrapy imports).

- ``verify_file``: every gzip member whole, one record per member, each record
  well formed (version line, Content-Length, trailing CRLFCRLF) and its
  WARC-Block-Digest / WARC-Payload-Digest right; then a full read with warcio
  as a second opinion. ``warcio check`` alone returns 0 on a truncated
  ``.warc.gz``, so this never relies on it.
- ``recover_open_file``: a ``.warc.gz.open`` left by a killed crawl is cut
  back to its last complete record and renamed; a file with no complete
  record is renamed ``.invalid``. Records are flushed one gzip member at a
  time, so nothing fully written is lost.
"""

from __future__ import annotations

import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from warcio.archiveiterator import ArchiveIterator

from .blocks import http_payload
from .records import sha1_digest
from .warc import OPEN_SUFFIX, safe_hostname

logger = logging.getLogger(__name__)

INVALID_SUFFIX = ".invalid"
_CHUNK = 1 << 20


@dataclass
class FileReport:
    path: str
    records: int = 0
    valid_bytes: int = 0  # length of the leading run of good records
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def gzip_members(path: str) -> Iterator[tuple[int, int, bytes | None, str | None]]:
    """(offset, length, data, problem) for each gzip member of the file, in order."""
    with open(path, "rb") as stream:
        buffer, offset = b"", 0
        while True:
            if not buffer:
                buffer = stream.read(_CHUNK)
                if not buffer:
                    return
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            out, consumed = [], 0
            try:
                while True:
                    out.append(inflater.decompress(buffer))
                    if inflater.eof:
                        consumed += len(buffer) - len(inflater.unused_data)
                        buffer = inflater.unused_data
                        break
                    consumed += len(buffer)
                    buffer = stream.read(_CHUNK)
                    if not buffer:
                        yield offset, consumed, None, "truncated gzip member at end of file"
                        return
            except zlib.error as exc:
                yield offset, consumed, None, f"corrupt gzip data: {exc}"
                return
            yield offset, consumed, b"".join(out), None
            offset += consumed


_DIGEST_LINE = re.compile(rb"^(WARC-Block-Digest|WARC-Payload-Digest|Content-Length|WARC-Type|Content-Type): *(.*)$",
                          re.I | re.M)


def check_record(data: bytes) -> str | None:
    """What is wrong with one uncompressed WARC record, or None."""
    if not data.startswith((b"WARC/1.1\r\n", b"WARC/1.0\r\n")):
        return "does not start with a WARC version line"
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return "no end of WARC header"
    fields = {m.group(1).decode().lower(): m.group(2).strip().decode("latin-1")
              for m in _DIGEST_LINE.finditer(data[:head_end])}
    try:
        length = int(fields["content-length"])
    except (KeyError, ValueError):
        return "missing or bad Content-Length"
    block = data[head_end + 4: head_end + 4 + length]
    if len(block) != length or data[head_end + 4 + length:] != b"\r\n\r\n":
        return f"block is not Content-Length {length} bytes followed by CRLFCRLF"
    if "warc-block-digest" in fields and sha1_digest(block) != fields["warc-block-digest"]:
        return "WARC-Block-Digest does not match the block"
    payload_digest = fields.get("warc-payload-digest")
    if payload_digest and fields.get("warc-type") in ("response", "request"):
        payload = http_payload(block) if "application/http" in fields.get("content-type", "") else block
        if sha1_digest(payload) != payload_digest:
            return "WARC-Payload-Digest does not match the payload"
    return None


def scan_file(path: str) -> FileReport:
    report = FileReport(path)
    for offset, length, data, problem in gzip_members(path):
        if problem is None:
            problem = check_record(data)
        if problem is not None:
            report.problems.append(f"offset {offset}: {problem}")
            break
        report.records += 1
        report.valid_bytes = offset + length
    if report.ok and report.records == 0:
        report.problems.append("no WARC records")
    return report


def verify_file(path: str) -> FileReport:
    """scan_file, then a full read with warcio checking digests."""
    report = scan_file(path)
    if report.ok:
        try:
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream, check_digests="raise"):
                    record.content_stream().read()
        except Exception as exc:  # warcio raises several kinds
            report.problems.append(f"warcio: {type(exc).__name__}: {exc}")
    return report


def owned_by_live_process(path: str) -> bool:
    """An ``.open`` file named ``…-HOST-PID.warc.gz.open`` of a running process on this host."""
    match = re.search(r"-([^-]+)-(\d+)\.warc\.gz" + re.escape(OPEN_SUFFIX) + "$", os.path.basename(path))
    if not match:
        return False
    host, pid = match.group(1), int(match.group(2))
    if host != safe_hostname():
        return True  # another machine's file on a shared folder: not ours to touch
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Our own PID: a file an earlier crawl in this process left (this one has not opened any yet).
    return pid != os.getpid()


def recover_open_file(path: str) -> tuple[str, FileReport]:
    """Cut an abandoned ``.open`` file back to its last complete record and rename it."""
    report = scan_file(path)
    final = path[: -len(OPEN_SUFFIX)]
    if report.records == 0:
        target = final + INVALID_SUFFIX
        os.replace(path, target)
        logger.error("No complete record in %s: renamed to %s", path, target)
        return target, report
    size = os.path.getsize(path)
    if report.valid_bytes < size:
        with open(path, "r+b") as stream:
            stream.truncate(report.valid_bytes)
            stream.flush()
            os.fsync(stream.fileno())
        logger.warning("Recovered %s: kept %d records, cut %d bytes of an unfinished record (%s)",
                       path, report.records, size - report.valid_bytes, "; ".join(report.problems))
    else:
        logger.warning("Recovered %s: %d complete records", path, report.records)
    os.replace(path, final)
    return final, report


def recover_directory(directory: str) -> list[str]:
    """Recover every abandoned ``.open`` file of the folder; files of live processes are left alone."""
    recovered = []
    if not os.path.isdir(directory):
        return recovered
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith(OPEN_SUFFIX) and not owned_by_live_process(path):
            recovered.append(recover_open_file(path)[0])
    return recovered


def catalog_problems(catalog, warc_dir: str | os.PathLike) -> list[str]:
    """Rows (of a storage.catalog.Catalog) whose record is not where the catalog says."""
    problems = []
    rows = catalog.db.execute("SELECT id, url, warc_file, warc_offset, response_record_id FROM articles "
                              "UNION ALL SELECT -id, url, warc_file, warc_offset, record_id FROM captures").fetchall()
    for row_id, url, warc_file, offset, record_id in rows:
        if not warc_file:
            continue
        where = f"catalog {'article' if row_id > 0 else 'capture'} {abs(row_id)} ({url})"
        path = os.path.join(warc_dir, warc_file)
        if not os.path.exists(path):
            problems.append(f"{where}: WARC file {warc_file} is missing")
            continue
        with open(path, "rb") as stream:
            stream.seek(offset)
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(stream.read(64 * 1024), 4096)
        if f"WARC-Record-ID: {record_id}\r\n".encode() not in head:
            problems.append(f"{where}: no record {record_id} at {warc_file}:{offset}")
    return problems

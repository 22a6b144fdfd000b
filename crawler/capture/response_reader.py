"""Reading one HTTP/1.1 response with h11 deciding every boundary, while the raw bytes
of its head are kept as received (HTTP only).

h11 (the parser behind httpcore/httpx) decides where the message ends: lengths,
chunks with extensions and trailers, statuses without a body, conflicting lengths. Where
it refuses a response, what arrived is kept and marked; where the only problem is how
``Transfer-Encoding`` is spelled (two headers, ``identity, chunked``), the RFC's rule
(the final coding chunked: read as chunked) is applied by handing h11 the head normalised.
"""

from __future__ import annotations

import contextlib
import logging
import re

import h11

from .exchange import (
    BodyTooLarge,
    DataLoss,
    FramingError,
    HeaderTooLarge,
    NoResponse,
    ProtocolError,
    RawExchange,
)
from .stream import Stream

logger = logging.getLogger(__name__)

RECEIVED_KEPT = 64 * 1024  # bytes kept of an answer that never had a status line
_STATUS_LINE = re.compile(rb"HTTP/\d\.\d \d{3}(?:[ \t][^\r\n]*)?\Z")
_HEAD_END = re.compile(rb"\n\r?\n")


def _split_head(raw: bytes) -> tuple[bytes | None, list[bytes], int | None]:
    """Status line, complete header lines, and where the body starts (None: head not complete)."""
    match = _HEAD_END.search(raw)
    end = match.end() if match else None
    head = raw[: match.start()] if match else raw[: raw.rfind(b"\n") + 1]
    lines = [line.rstrip(b"\r") for line in head.split(b"\n")] if head else []
    if not lines or not _STATUS_LINE.match(lines[0]):
        return None, [], end
    return lines[0], [line for line in lines[1:] if line], end


def _chunked_last(header_lines: list[bytes]) -> bool:
    """RFC 9112 6.3 (4): Transfer-Encoding whose final coding is chunked is read as chunked."""
    codings = [c.strip().lower() for line in header_lines if line.partition(b":")[0].strip().lower()
               == b"transfer-encoding" for c in line.partition(b":")[2].split(b",") if c.strip()]
    return bool(codings) and codings[-1] == b"chunked"


def _normalised_head(status_line: bytes, header_lines: list[bytes]) -> bytes:
    """The head as h11 accepts it when the only problem is how Transfer-Encoding is spelled."""
    kept = [line for line in header_lines
            if line.partition(b":")[0].strip().lower() not in (b"transfer-encoding", b"content-length")]
    return b"\r\n".join([status_line, *kept, b"Transfer-Encoding: chunked"]) + b"\r\n\r\n"


class ResponseReader:
    """Reads one response into a RawExchange, h11 deciding every boundary."""

    def __init__(self, stream: Stream, ex: RawExchange, maxsize: int, max_lines: int, max_head: int):
        self.stream = stream
        self.ex = ex
        self.maxsize = maxsize
        self.max_lines = max_lines
        self.max_head = max_head
        self.parser = self._parser()
        self.raw = bytearray()  # bytes of the response heads, until the final head is parsed
        self.head_start = 0
        self.chunks: list[bytes] = []
        self.size = 0

    def _parser(self) -> h11.Connection:
        parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=self.max_head + 1024)
        # h11 tracks our side too (a HEAD response has no body); the bytes sent are our own.
        parser.send(h11.Request(method=self.ex.method, target="/", headers=[("Host", "h")]))
        parser.send(h11.EndOfMessage())
        return parser

    def timed_out(self) -> None:
        """Time ran out: keep what arrived, as a response if a status line came."""
        self.keep_body()
        if not self.ex.status and self.raw:  # part of a head: keep what can be a response
            with contextlib.suppress(NoResponse):  # no status line: what came is in ex.received
                self._partial(bytes(self.raw[self.head_start:]), "time", "timed out in the head")
        elif self.ex.status and not self.ex.truncated:
            self.ex.truncated = "time"

    def keep_body(self) -> None:
        self.ex.body = b"".join(self.chunks)

    async def read(self) -> bool:
        """Read the response; True when the connection may carry another exchange."""
        try:
            while True:
                try:
                    event = self.parser.next_event()
                except h11.RemoteProtocolError as exc:
                    await self._refused(exc)
                    continue
                if event is h11.NEED_DATA:
                    await self._receive()
                elif isinstance(event, h11.InformationalResponse):  # 100 Continue, 103: skipped
                    self.head_start = self._head_end()
                elif isinstance(event, h11.Response):
                    self._got_head(event)
                elif isinstance(event, h11.Data):
                    self.chunks.append(event.data)
                    self.size += len(event.data)
                    self._check_size(self.size)
                elif isinstance(event, h11.EndOfMessage):
                    self.ex.trailer_lines = [name + b": " + value for name, value in event.headers.raw_items()]
                    break
                else:  # ConnectionClosed or PAUSED cannot come before the end of the message
                    raise ProtocolError(f"unexpected {event!r}", self.ex)
        finally:  # also on a timeout or a cut: what arrived is kept for the archive
            self.keep_body()
        leftover, closed = self.parser.trailing_data
        if leftover:
            self.ex.framing_error = f"{len(leftover)} bytes after the end of the response"
            logger.warning("%d bytes after the end of the %d response of %s: connection closed, not reused",
                           len(leftover), self.ex.status, self.ex.url)
        return (self.parser.our_state is h11.DONE and self.parser.their_state is h11.DONE
                and not leftover and not closed and self.stream.usable and not self.ex.framing_error)

    async def _receive(self) -> None:
        data = await self.stream.read()
        if self.raw is not None:
            self.raw += data
            self._check_head()
        self.parser.receive_data(data)

    def _head_end(self) -> int:
        match = _HEAD_END.search(self.raw, self.head_start)
        return match.end() if match else len(self.raw)

    def _check_head(self) -> None:
        """Header limits are ours (h11 has only a size limit): count lines as they arrive."""
        head = self.raw[self.head_start:]
        match = _HEAD_END.search(head)
        part = head[: match.end()] if match else head
        lines = part.count(b"\n") - (2 if match else 1)  # header lines, without status and blank line
        if lines > self.max_lines:
            self._cut_head(bytes(part), f"more than {self.max_lines} header lines")
        if len(part) > self.max_head:
            self._cut_head(bytes(part), f"a head over {self.max_head} bytes")

    def _cut_head(self, head: bytes, limit: str) -> None:
        """Over the header limits: the status line and the header lines that fit, no body."""
        status_line, header_lines, _ = _split_head(head[: self.max_head])
        if status_line is None:
            self.ex.received = head[:RECEIVED_KEPT]
            raise NoResponse(f"no HTTP status line in {len(head)} bytes", self.ex)
        self.ex.status_line, self.ex.status = status_line, int(status_line.split()[1])
        self.ex.header_lines = header_lines[: self.max_lines]
        self.ex.truncated, self.ex.framing_error = "length", f"response head with {limit}: cut"
        raise HeaderTooLarge(f"response head with {limit}: cut", self.ex)

    def _got_head(self, event: h11.Response) -> None:
        end = self._head_end()
        status_line, header_lines, _ = _split_head(bytes(self.raw[self.head_start:end]))
        self.ex.status_line = status_line or b"HTTP/1.1 %d" % event.status_code
        self.ex.header_lines = header_lines
        self.ex.status = event.status_code
        self.raw = None
        fields = list(event.headers)  # h11's view: names lowercased, one Content-Length
        names = {name for name, _ in fields}
        self.ex.dechunked = b"transfer-encoding" in names
        if self.ex.dechunked and b"content-length" in names:
            # h11 reads chunked (RFC 9112 6.3: Transfer-Encoding wins), but a message with both
            # is how responses are smuggled: the connection is not used again.
            self.ex.framing_error = "both Transfer-Encoding and Content-Length"
        length = next((value for name, value in fields if name == b"content-length"), None)
        if length is not None and self.ex.has_body and not self.ex.dechunked:
            self._check_size(int(length))

    def _check_size(self, size: int) -> None:
        if self.maxsize and size > self.maxsize:
            self.keep_body()
            self.ex.truncated = "length"
            raise BodyTooLarge(f"body of {size} bytes exceeds the limit of {self.maxsize}", self.ex)

    def _partial(self, head: bytes, truncated: str, why: str) -> None:
        """Keep what arrived of a response the parser could not finish: head, and body bytes if any."""
        status_line, header_lines, body_start = _split_head(head)
        if status_line is None:
            self.ex.received = bytes(self.raw)[:RECEIVED_KEPT]
            raise NoResponse(f"no HTTP status line ({why}): {head[:60]!r}", self.ex)
        self.ex.status_line, self.ex.header_lines = status_line, header_lines
        self.ex.status = int(status_line.split()[1])
        self.ex.truncated, self.ex.framing_error = truncated, why
        if body_start is not None and self.ex.has_body:
            self.chunks, self.size = [head[body_start:]], len(head) - body_start

    async def _refused(self, exc: h11.RemoteProtocolError) -> None:
        """h11 refused the response: read on only where the RFC says how, else keep what arrived."""
        if self.raw is None:  # after the head: a bad chunk, or the peer closed mid-body
            leftover, closed = self.parser.trailing_data
            cut = closed and not leftover  # every byte was read, then the connection closed
            self.ex.truncated = "disconnect" if cut else "unspecified"
            if cut:
                raise DataLoss(f"connection lost mid-response: {exc}", self.ex)
            self.ex.framing_error = str(exc)
            raise FramingError(f"malformed response body: {exc}", self.ex)
        head = bytes(self.raw[self.head_start:])
        status_line, header_lines, body_start = _split_head(head)
        if status_line is not None and body_start is not None and _chunked_last(header_lines) \
                and self.ex.framing_error is None:
            # e.g. "Transfer-Encoding: identity" then "Transfer-Encoding: chunked": a browser reads it
            # as chunked, as RFC 9112 says; h11 refuses the spelling, so it gets the head normalised.
            self.ex.framing_error = f"{exc} (read as chunked, RFC 9112 6.3)"
            self.parser = self._parser()
            self.parser.receive_data(_normalised_head(status_line, header_lines) + head[body_start:])
            self.raw = bytearray(head[:body_start])
            self.head_start = 0
            return
        if body_start is None and self.stream.eof:  # closed before the head was complete
            if status_line is None:
                self.ex.received = bytes(self.raw)[:RECEIVED_KEPT]
                why = f"no HTTP status line before the connection closed: {head[:60]!r}" if head \
                    else "connection closed before a response"
                raise NoResponse(why, self.ex)
            self._partial(head, "disconnect", "connection closed in the response head")
            raise DataLoss("connection closed in the response head", self.ex)
        self._partial(head, "unspecified", str(exc))
        raise FramingError(f"response refused by the HTTP parser: {exc}", self.ex)

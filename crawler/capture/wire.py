"""A small asyncio HTTP/1.1 client that keeps the exchange as it was on the wire.

Scrapy's Twisted client removes chunk framing and framing headers before any
middleware runs, so nothing downstream can know what the server sent. This
client keeps the status line and header lines as the raw bytes received,
removes only the transfer coding (chunking) and leaves content codings
(gzip, br, ...) alone.

Framing (where a message ends, which statuses have no body, conflicting
lengths, chunk extensions and trailers) is decided by h11, fed the bytes as
they arrive; this module only keeps the raw bytes beside it. A connection goes
back to the pool only when h11 says the response ended cleanly and not one
byte more arrived, also while it waited idle: otherwise the bytes left on it
would be read as the next request's response.

Knows HTTP only: nothing of Scrapy or WARC.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import logging
import re
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import h11

logger = logging.getLogger(__name__)

MAX_HEADER_LINES = 10_000
MAX_HEAD_BYTES = 1 << 20  # status line and header lines together (Chrome stops at 256 KiB)
RECEIVED_KEPT = 64 * 1024  # bytes kept of an answer that never had a status line
_READ_HIGH_WATER = 4 << 20

_STATUS_LINE = re.compile(rb"HTTP/\d\.\d \d{3}(?:[ \t][^\r\n]*)?\Z")
_HEAD_END = re.compile(rb"\n\r?\n")


class WireError(Exception):
    """A failed exchange; ``exchange`` holds what was received, if anything."""

    def __init__(self, message: str, exchange: RawExchange | None = None):
        super().__init__(message)
        self.exchange = exchange


class ConnectFailed(WireError):
    pass


class ResolveFailed(WireError):
    pass


class ExchangeTimeout(WireError):
    pass


class BodyTooLarge(WireError):
    pass


class ProtocolError(WireError):
    pass


class NoResponse(ProtocolError):
    """No status line arrived: the connection closed, or what came is not HTTP."""


class FramingError(ProtocolError):
    """h11 refused the response's framing: what arrived is kept, marked truncated."""


class HeaderTooLarge(FramingError):
    pass


class DataLoss(WireError):
    pass


class BlockedAddress(WireError):
    """The host resolved to a private, loopback or otherwise non-public address."""


def is_public_address(ip: str) -> bool:
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    return address.is_global and not address.is_multicast


@dataclass
class RawExchange:
    url: str
    started: dt.datetime  # when the request was sent, UTC
    request_head: bytes  # request line, header lines, blank line
    request_body: bytes = b""
    method: str = "GET"
    ip_address: str | None = None
    status_line: bytes = b""
    status: int = 0  # 0: no status line arrived
    header_lines: list[bytes] = field(default_factory=list)  # raw, without line ends
    body: bytes = b""  # transfer-decoded (de-chunked), content codings kept
    dechunked: bool = False  # the body arrived chunked (its framing removed)
    trailer_lines: list[bytes] = field(default_factory=list)  # chunked trailer fields, raw
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect, unspecified
    framing_error: str | None = None  # what the parser refused or found ambiguous
    received: bytes = b""  # no status line: the first bytes that came instead

    @property
    def has_body(self) -> bool:
        """Whether this response can carry a body at all (RFC 9110 6.4.1)."""
        return self.method != "HEAD" and self.status not in (204, 304) and not 100 <= self.status < 200

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        pairs = []
        for line in self.header_lines:
            name, sep, value = line.partition(b":")
            if sep:
                pairs.append((name.strip(), value.strip()))
        return pairs

    def header(self, name: bytes) -> bytes | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


def build_request_head(method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    parts = urlsplit(url)
    lines = [f"{method} {request_target(url)} HTTP/1.1".encode("ascii"), b"Host: " + host_header(parts)]
    for name, value in headers:
        if name.lower() in (b"host", b"content-length", b"transfer-encoding", b"connection"):
            continue
        lines.append(name + b": " + value)
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def host_header(parts) -> bytes:
    default_port = 443 if parts.scheme == "https" else 80
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port and parts.port != default_port:
        host = f"{host}:{parts.port}"
    return host.encode("idna")


class _Stream(asyncio.Protocol):
    """One TCP (or TLS) connection: bytes as they arrive, and whether any arrived while idle."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.idle = False
        self.dirty = False  # bytes (or a close) arrived while no request was waiting
        self._waiter: asyncio.Future | None = None
        self._paused = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.idle:
            self.dirty = True
        self.buffer += data
        if len(self.buffer) > _READ_HIGH_WATER and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc) -> None:
        self.eof = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def read(self) -> bytes:
        """What arrived since the last read; b"" once the peer closed."""
        while not self.buffer and not self.eof:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data, self.buffer = bytes(self.buffer), bytearray()
        if self._paused:
            self._paused = False
            self.transport.resume_reading()
        return data

    @property
    def usable(self) -> bool:
        return not (self.eof or self.dirty or self.buffer or self.transport is None or self.transport.is_closing())

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class _Connection:
    stream: _Stream
    ip_address: str | None
    reused: bool = False

    def close(self) -> None:
        self.stream.close()


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


class _Reader:
    """Reads one response into a RawExchange, h11 deciding every boundary."""

    def __init__(self, conn: _Connection, ex: RawExchange, maxsize: int, max_lines: int, max_head: int):
        self.stream = conn.stream
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


class HttpClient:
    """HTTP/1.1 client with a per-origin keep-alive pool."""

    def __init__(
        self,
        *,
        verify_certificates: bool = False,
        connect_timeout: float = 30.0,
        max_idle_per_origin: int = 8,
        max_header_lines: int = MAX_HEADER_LINES,
        max_head_bytes: int = MAX_HEAD_BYTES,
        may_connect: Callable[[str, str], bool] | None = None,
        resolve: Callable[[str, int], Awaitable[list]] | None = None,
    ):
        self.resolve = resolve  # getaddrinfo-style; the event loop's by default
        # may_connect(host, ip): checked after DNS, so that a name cannot lead
        # the crawler to a private or loopback address it was not started on.
        self.may_connect = may_connect
        self.connect_timeout = connect_timeout
        self.max_idle_per_origin = max_idle_per_origin
        self.max_header_lines = max_header_lines
        self.max_head_bytes = max_head_bytes
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._tls = ssl.create_default_context()
        if not verify_certificates:
            # An archive keeps what was served, even behind a broken certificate.
            self._tls.check_hostname = False
            self._tls.verify_mode = ssl.CERT_NONE
        self._tls.set_alpn_protocols(["http/1.1"])

    async def close(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()

    async def fetch(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes = b"",
        *,
        timeout: float = 180.0,
        maxsize: int = 0,
    ) -> RawExchange:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProtocolError(f"unsupported URL {url!r}")
        origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        head = build_request_head(method, url, headers, body)
        for attempt in (1, 2):
            conn = await self._connection(origin, timeout)
            exchange = RawExchange(url=url, started=dt.datetime.now(dt.UTC), request_head=head,
                                   request_body=body, method=method, ip_address=conn.ip_address)
            reader = _Reader(conn, exchange, maxsize, self.max_header_lines, self.max_head_bytes)
            try:
                async with asyncio.timeout(timeout):
                    conn.stream.transport.write(head + body)
                    keep = await reader.read()
            except TimeoutError:
                conn.close()
                self._timed_out(reader, timeout)
            except NoResponse:
                conn.close()
                # A pooled connection the server closed meanwhile, or stale bytes a broken
                # server left on it: the request goes again, once, on a fresh connection.
                if conn.reused and attempt == 1:
                    continue
                raise
            except WireError:
                conn.close()
                raise
            except (ConnectionError, OSError) as exc:
                conn.close()
                if conn.reused and attempt == 1 and not exchange.status:
                    continue
                if exchange.status:
                    exchange.truncated = "disconnect"
                    raise DataLoss(f"connection lost mid-response: {exc}", exchange) from exc
                raise NoResponse(f"connection lost before a response: {exc!r}", exchange) from exc
            if keep:
                self._release(origin, conn)
            else:
                conn.close()
            return exchange
        raise AssertionError("unreachable")

    @staticmethod
    def _timed_out(reader: _Reader, timeout: float) -> None:
        ex = reader.ex
        reader.keep_body()
        if not ex.status and reader.raw:  # part of a head: keep what can be a response
            with contextlib.suppress(NoResponse):
                reader._partial(bytes(reader.raw[reader.head_start:]), "time", "timed out in the head")
        elif ex.status and not ex.truncated:
            ex.truncated = "time"
        raise ExchangeTimeout(f"no complete response within {timeout}s", ex)

    async def _connection(self, origin: tuple[str, str, int], timeout: float) -> _Connection:
        idle = self._idle.get(origin, [])
        while idle:
            conn = idle.pop()
            conn.stream.idle = False
            if conn.stream.usable:
                conn.reused = True
                return conn
            if conn.stream.dirty and conn.stream.buffer:
                logger.warning("%d unexpected bytes arrived on an idle connection to %s:%s: closed",
                               len(conn.stream.buffer), origin[1], origin[2])
            conn.close()
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        limit = min(timeout, self.connect_timeout)
        try:
            async with asyncio.timeout(limit):
                infos = await (self.resolve(host, port) if self.resolve
                               else loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (socket.gaierror, TimeoutError) as exc:
            raise ResolveFailed(f"cannot resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        if self.may_connect is not None:
            allowed = [info for info in infos if self.may_connect(host, info[4][0])]
            if not allowed:
                raise BlockedAddress(f"{host} resolves to {infos[0][4][0]}, a non-public address the crawl "
                                     f"did not start on (ARCHIVE_ALLOW_PRIVATE allows it)")
            infos = allowed
        for family, _, _, _, sockaddr in infos:
            ip = sockaddr[0]
            try:
                async with asyncio.timeout(limit):
                    _, stream = await loop.create_connection(
                        _Stream, ip, port, family=family,
                        ssl=self._tls if scheme == "https" else None,
                        server_hostname=host if scheme == "https" else None,
                    )
            except (OSError, TimeoutError, ssl.SSLError) as exc:
                last_error = exc
                continue
            return _Connection(stream, ip)
        raise ConnectFailed(f"cannot connect to {host}:{port}: {last_error!r}")

    def _release(self, origin: tuple[str, str, int], conn: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self.max_idle_per_origin:
            conn.close()
            return
        conn.reused = False
        conn.stream.idle = True
        idle.append(conn)

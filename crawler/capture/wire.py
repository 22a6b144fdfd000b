"""A small asyncio HTTP/1.1 client that keeps the exchange as it was on the wire.

Scrapy's Twisted client removes chunk framing and framing headers before any
middleware runs, so nothing downstream can know what the server sent. This
client reads the status line and header lines as raw bytes, removes only the
transfer coding (chunking), and leaves content codings (gzip, br, ...) alone.

Knows nothing of Scrapy or WARC.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

MAX_HEADER_LINES = 500
ORIG_HEADER_PREFIX = b"X-Archive-Orig-"


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


class BlockedAddress(WireError):
    """The host resolved to a private, loopback or otherwise non-public address."""


def is_public_address(ip: str) -> bool:
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    return address.is_global and not address.is_multicast


class DataLoss(WireError):
    pass


@dataclass
class RawExchange:
    url: str
    started: dt.datetime  # when the request was sent, UTC
    request_head: bytes  # request line, header lines, blank line
    request_body: bytes = b""
    ip_address: str | None = None
    status_line: bytes = b""
    status: int = 0
    header_lines: list[bytes] = field(default_factory=list)  # raw, without CRLF
    body: bytes = b""  # transfer-decoded (de-chunked), content codings kept
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect

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

    def request_block(self, omit_headers: tuple[bytes, ...] = ()) -> bytes:
        """The request as sent, without the header lines named in ``omit_headers``."""
        head = self.request_head
        if omit_headers:
            wanted = {name.lower() for name in omit_headers}
            lines = head[:-4].split(b"\r\n")
            kept = [lines[0], *(ln for ln in lines[1:] if ln.partition(b":")[0].strip().lower() not in wanted)]
            head = b"\r\n".join(kept) + b"\r\n\r\n"
        return head + self.request_body

    def response_block(self) -> bytes:
        """Status line and headers as received, over the stored body.

        The stored body is de-chunked, so a ``Transfer-Encoding`` header would
        no longer describe it: it is kept as ``X-Archive-Orig-Transfer-Encoding``
        and a ``Content-Length`` for the stored body is added when the server
        sent none (pywb and warcio replay such records as they are). A body cut
        short (``truncated``) keeps the server's length as
        ``X-Archive-Orig-Content-Length`` for the same reason: replay tools would
        otherwise wait for bytes that never came.
        """
        lines = []
        chunked = any(k.lower() == b"transfer-encoding" for k, _ in self.headers)
        has_length = False
        for line in self.header_lines:
            name = line.partition(b":")[0].strip().lower()
            if name == b"transfer-encoding" or (name == b"content-length" and (chunked or self.truncated)):
                line = ORIG_HEADER_PREFIX + line.lstrip()
            elif name == b"content-length":
                has_length = True
            lines.append(line)
        if not has_length and (self.body or self.truncated):
            lines.append(b"Content-Length: %d" % len(self.body))
        head = b"\r\n".join([self.status_line, *lines]) + b"\r\n\r\n"
        return head + self.body


def build_request_head(
    method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> bytes:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if parts.scheme == "https" else 80
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port and parts.port != default_port:
        host = f"{host}:{parts.port}"
    lines = [f"{method} {target} HTTP/1.1".encode("ascii"), b"Host: " + host.encode("idna")]
    for name, value in headers:
        if name.lower() in (b"host", b"content-length", b"transfer-encoding", b"connection"):
            continue
        lines.append(name + b": " + value)
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n"


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ip_address: str | None
    reused: bool = False

    def close(self) -> None:
        self.writer.close()


class HttpClient:
    """HTTP/1.1 client with a per-origin keep-alive pool."""

    def __init__(
        self,
        *,
        verify_certificates: bool = False,
        connect_timeout: float = 30.0,
        max_idle_per_origin: int = 8,
        may_connect: Callable[[str, str], bool] | None = None,
        resolve: Callable[[str, int], Awaitable[list]] | None = None,
    ):
        self.resolve = resolve  # getaddrinfo-style; the event loop's by default
        # may_connect(host, ip): checked after DNS, so that a name cannot lead
        # the crawler to a private or loopback address it was not started on.
        self.may_connect = may_connect
        self.connect_timeout = connect_timeout
        self.max_idle_per_origin = max_idle_per_origin
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
                                   request_body=body, ip_address=conn.ip_address)
            try:
                async with asyncio.timeout(timeout):
                    keep = await self._exchange(conn, exchange, method, maxsize)
            except TimeoutError:
                conn.close()
                if exchange.status:
                    exchange.truncated = "time"
                raise ExchangeTimeout(f"no complete response within {timeout}s", exchange) from None
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                conn.close()
                # A pooled connection the server already closed: retry once, fresh.
                if conn.reused and attempt == 1 and not exchange.status:
                    continue
                if exchange.status:
                    exchange.truncated = "disconnect"
                    raise DataLoss(f"connection lost mid-response: {exc}", exchange) from exc
                raise ProtocolError(f"connection lost before a response: {exc!r}") from exc
            except WireError:
                conn.close()
                raise
            except (ValueError, asyncio.LimitOverrunError) as exc:
                conn.close()
                raise ProtocolError(f"malformed response: {exc}", exchange if exchange.status else None) from exc
            if keep:
                self._release(origin, conn)
            else:
                conn.close()
            return exchange
        raise AssertionError("unreachable")

    async def _connection(self, origin: tuple[str, str, int], timeout: float) -> _Connection:
        idle = self._idle.get(origin, [])
        while idle:
            conn = idle.pop()
            if not conn.reader.at_eof() and not conn.writer.is_closing():
                conn.reused = True
                return conn
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
                    reader, writer = await asyncio.open_connection(
                        ip, port, family=family,
                        ssl=self._tls if scheme == "https" else None,
                        server_hostname=host if scheme == "https" else None,
                        limit=1 << 20,
                    )
            except (OSError, TimeoutError) as exc:
                last_error = exc
                continue
            return _Connection(reader, writer, ip)
        raise ConnectFailed(f"cannot connect to {host}:{port}: {last_error!r}")

    def _release(self, origin: tuple[str, str, int], conn: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self.max_idle_per_origin:
            conn.close()
            return
        conn.reused = False
        idle.append(conn)

    async def _exchange(self, conn: _Connection, ex: RawExchange, method: str, maxsize: int) -> bool:
        """Send the request, read the response into ``ex``; True if the connection is reusable."""
        conn.writer.write(ex.request_head + ex.request_body)
        await conn.writer.drain()
        reader = conn.reader
        while True:
            status_line = (await reader.readuntil(b"\n")).rstrip(b"\r\n")
            try:
                version, status = status_line.split(b" ", 2)[:2]
                ex.status = int(status)
            except ValueError:
                raise ProtocolError(f"bad status line {status_line[:80]!r}") from None
            if not version.startswith(b"HTTP/"):
                raise ProtocolError(f"bad status line {status_line[:80]!r}")
            ex.status_line = status_line
            ex.header_lines = await self._read_header_lines(reader)
            if not 100 <= ex.status < 200 or ex.status == 101:
                break  # interim 1xx responses are skipped
        te = (ex.header(b"transfer-encoding") or b"").lower()
        connection = (ex.header(b"connection") or b"").lower()
        keep = version == b"HTTP/1.1" and b"close" not in connection
        if method == "HEAD" or ex.status in (204, 304) or 100 <= ex.status < 200:
            return keep
        if te.rstrip().endswith(b"chunked"):
            await self._read_chunked(reader, ex, maxsize)
            return keep
        length = ex.header(b"content-length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                raise ProtocolError(f"bad Content-Length {length!r}") from None
            self._check_size(ex, size, maxsize)
            ex.body = await self._read_exactly(reader, ex, size)
            return keep
        await self._read_to_close(reader, ex, maxsize)
        return False

    @staticmethod
    async def _read_header_lines(reader: asyncio.StreamReader) -> list[bytes]:
        lines: list[bytes] = []
        while True:
            line = (await reader.readuntil(b"\n")).rstrip(b"\r\n")
            if not line:
                return lines
            if len(lines) >= MAX_HEADER_LINES:
                raise ProtocolError("too many header lines")
            lines.append(line)

    @staticmethod
    def _check_size(ex: RawExchange, size: int, maxsize: int) -> None:
        if maxsize and size > maxsize:
            ex.truncated = "length"
            raise BodyTooLarge(f"body of {size} bytes exceeds the limit of {maxsize}", ex)

    @staticmethod
    async def _read_into(reader: asyncio.StreamReader, size: int, chunks: list[bytes]) -> None:
        """Read ``size`` bytes into ``chunks`` piece by piece, so a cut leaves what arrived."""
        remaining = size
        while remaining:
            data = await reader.read(min(remaining, 1 << 16))
            if not data:
                raise asyncio.IncompleteReadError(b"", remaining)
            chunks.append(data)
            remaining -= len(data)

    async def _read_exactly(self, reader: asyncio.StreamReader, ex: RawExchange, size: int) -> bytes:
        chunks: list[bytes] = []
        try:
            await self._read_into(reader, size, chunks)
        finally:  # also on a timeout: what arrived is kept for the archive
            ex.body = b"".join(chunks)
        return ex.body

    async def _read_chunked(self, reader: asyncio.StreamReader, ex: RawExchange, maxsize: int) -> None:
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                size_line = (await reader.readuntil(b"\n")).strip()
                try:
                    size = int(size_line.split(b";", 1)[0], 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {size_line[:40]!r}", ex) from None
                if size == 0:
                    await self._read_header_lines(reader)  # trailers
                    break
                total += size
                if maxsize and total > maxsize:
                    self._check_size(ex, total, maxsize)
                await self._read_into(reader, size, chunks)
                await reader.readexactly(2)  # CRLF after the chunk data
        finally:  # also on a timeout or a cut: what arrived is kept for the archive
            ex.body = b"".join(chunks)

    async def _read_to_close(self, reader: asyncio.StreamReader, ex: RawExchange, maxsize: int) -> None:
        chunks: list[bytes] = []
        total = 0
        try:
            while data := await reader.read(1 << 16):
                chunks.append(data)
                total += len(data)
                if maxsize and total > maxsize:
                    self._check_size(ex, total, maxsize)
        finally:
            ex.body = b"".join(chunks)

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
import datetime as dt
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from .exchange import (
    BlockedAddress,
    BodyTooLarge,
    ConnectFailed,
    DataLoss,
    ExchangeTimeout,
    FramingError,
    HeaderTooLarge,
    NoResponse,
    ProtocolError,
    RawExchange,
    ResolveFailed,
    WireError,
    build_request_head,
    is_public_address,
)
from .response_reader import ResponseReader
from .stream import Connection, Stream

__all__ = [  # the client, its exchange and its errors: what the download handler and tests use
    "BlockedAddress", "BodyTooLarge", "ConnectFailed", "DataLoss", "ExchangeTimeout", "FramingError",
    "HeaderTooLarge", "HttpClient", "NoResponse", "ProtocolError", "RawExchange", "ResolveFailed", "WireError",
    "is_public_address",
]

logger = logging.getLogger(__name__)

MAX_HEADER_LINES = 10_000
MAX_HEAD_BYTES = 1 << 20  # status line and header lines together (Chrome stops at 256 KiB)


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
        self._idle: dict[tuple[str, str, int], list[Connection]] = {}
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
            reader = ResponseReader(conn.stream, exchange, maxsize, self.max_header_lines, self.max_head_bytes)
            try:
                async with asyncio.timeout(timeout):
                    conn.stream.transport.write(head + body)
                    keep = await reader.read()
            except TimeoutError:
                conn.close()
                reader.timed_out()
                raise ExchangeTimeout(f"no complete response within {timeout}s", exchange) from None
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

    async def _connection(self, origin: tuple[str, str, int], timeout: float) -> Connection:
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
                        Stream, ip, port, family=family,
                        ssl=self._tls if scheme == "https" else None,
                        server_hostname=host if scheme == "https" else None,
                    )
            except (OSError, TimeoutError, ssl.SSLError) as exc:
                last_error = exc
                continue
            return Connection(stream, ip)
        raise ConnectFailed(f"cannot connect to {host}:{port}: {last_error!r}")

    def _release(self, origin: tuple[str, str, int], conn: Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self.max_idle_per_origin:
            conn.close()
            return
        conn.reused = False
        conn.stream.idle = True
        idle.append(conn)

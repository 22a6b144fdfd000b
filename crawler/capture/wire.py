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

Through a proxy (crawler/capture/proxy.py) the exchange kept is the one with the origin:
``request_head`` is the request as the origin receives it (origin-form, no
``Proxy-Authorization``), whatever went to a forwarding proxy.

Knows HTTP only: nothing of Scrapy or WARC.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from .connect import open_connection
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
    ProxyFailed,
    RawExchange,
    ResolveFailed,
    WireError,
    build_request_head,
    forwarding_head,
    is_public_address,
)
from .proxy import Proxy
from .response_reader import ResponseReader
from .stream import Connection

__all__ = [  # the client, its exchange and its errors: what the download handler and tests use
    "BlockedAddress", "BodyTooLarge", "ConnectFailed", "DataLoss", "ExchangeTimeout", "FramingError",
    "HeaderTooLarge", "HttpClient", "NoResponse", "ProtocolError", "Proxy", "ProxyFailed", "RawExchange",
    "ResolveFailed", "WireError", "is_public_address",
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
        self._idle: dict[tuple[str, str, str, int], list[Connection]] = {}  # (proxy key or "", origin)
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
        proxy: Proxy | None = None,
    ) -> RawExchange:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProtocolError(f"unsupported URL {url!r}")
        origin = (proxy.key if proxy else "", parts.scheme, parts.hostname,
                  parts.port or (443 if parts.scheme == "https" else 80))
        head = build_request_head(method, url, headers, body)  # what the origin receives: archived
        sent = head
        if proxy is not None and proxy.forwards_http and parts.scheme == "http":
            sent = forwarding_head(head, url, proxy.authorization)  # what the proxy receives
        for attempt in (1, 2):
            conn = await self._connection(origin, timeout, proxy)
            exchange = RawExchange(url=url, started=dt.datetime.now(dt.UTC), request_head=head,
                                   request_body=body, method=method, ip_address=conn.ip_address)
            reader = ResponseReader(conn.stream, exchange, maxsize, self.max_header_lines, self.max_head_bytes)
            try:
                async with asyncio.timeout(timeout):
                    conn.stream.transport.write(sent + body)
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
            if sent is not head and exchange.status == 407:  # the forwarding proxy's own answer
                conn.close()
                raise ProxyFailed(f"the proxy {proxy} refused our credentials (407) for {url}")
            if keep:
                self._release(origin, conn)
            else:
                conn.close()
            return exchange
        raise AssertionError("unreachable")

    async def _connection(self, origin: tuple[str, str, str, int], timeout: float,
                          proxy: Proxy | None = None) -> Connection:
        idle = self._idle.get(origin, [])
        while idle:
            conn = idle.pop()
            conn.stream.idle = False
            if conn.stream.usable:
                conn.reused = True
                return conn
            if conn.stream.dirty and conn.stream.buffer:
                logger.warning("%d unexpected bytes arrived on an idle connection to %s:%s: closed",
                               len(conn.stream.buffer), origin[2], origin[3])
            conn.close()
        _, scheme, host, port = origin
        return await open_connection(scheme, host, port, proxy=proxy, tls=self._tls,
                                     limit=min(timeout, self.connect_timeout), resolve=self.resolve,
                                     may_connect=self.may_connect)

    def _release(self, origin: tuple[str, str, str, int], conn: Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self.max_idle_per_origin:
            conn.close()
            return
        conn.reused = False
        conn.stream.idle = True
        idle.append(conn)

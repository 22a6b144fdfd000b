"""Connections through a proxy (HTTP only: nothing of Scrapy or WARC).

- ``http://`` or ``https://`` proxy, ``http://`` origin: the connection is to the proxy and
  requests go in absolute form with ``Proxy-Authorization`` (forwarding, RFC 9112 3.2.2).
- ``http://`` or ``https://`` proxy, ``https://`` origin: ``CONNECT host:port`` with
  ``Proxy-Authorization``, then TLS with the origin inside the tunnel (``loop.start_tls``;
  over an ``https://`` proxy that is TLS inside TLS).
- ``socks5://`` (the crawler resolves the origin, so the private-address guard applies) and
  ``socks5h://`` (the proxy resolves it): the SOCKS5 handshake with RFC 1929 user/password is
  python-socks', which hands back the connected socket; ``create_connection(sock=...)`` makes it
  a connection like any other (TLS included), so the pool, the framing and the raw bytes kept
  are the same as without a proxy.

The address a connection reports (``WARC-IP-Address``) is the proxy's: the crawler never
learns the origin's.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from python_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError, ProxyType
from python_socks.async_.asyncio import Proxy as SocksProxy

from crawler.redaction import redact

from .exchange import ConnectFailed, ProxyFailed
from .stream import Stream

SCHEMES = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}
MAX_CONNECT_HEAD = 64 * 1024
# SOCKS5 replies (RFC 1928 6) that mean the origin could not be reached, not that the proxy failed.
_SOCKS_UNREACHABLE = {3: "network unreachable", 4: "host unreachable", 5: "connection refused"}
# CONNECT answers of the same kind (the proxy could not resolve or reach the origin).
_CONNECT_UNREACHABLE = (502, 504)


@dataclass(frozen=True)
class Proxy:
    scheme: str  # http, https, socks5, socks5h
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    authorization: bytes | None = field(default=None, repr=False)  # Proxy-Authorization of HTTP proxies

    @classmethod
    def from_url(cls, url: str, authorization: bytes | None = None) -> Proxy:
        """``scheme://[user:password@]host[:port]``; credentials may instead come as the
        ``Proxy-Authorization`` header Scrapy's HttpProxyMiddleware made of them (Basic)."""
        parts = urlsplit(url if "://" in url else f"http://{url}")
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES or not parts.hostname:
            raise ProxyFailed(f"unsupported proxy {redact(url)!r}: use http://, https://, socks5:// or socks5h://")
        try:
            port = parts.port or SCHEMES[scheme]
        except ValueError:
            raise ProxyFailed(f"bad port in proxy {redact(url)!r}") from None
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        if username is not None and authorization is None:
            authorization = b"Basic " + base64.b64encode(f"{username}:{password or ''}".encode("latin-1"))
        elif username is None and authorization:
            username, password = basic_credentials(authorization)
        return cls(scheme, parts.hostname, port, username, password, authorization)

    @property
    def forwards_http(self) -> bool:
        """An HTTP(S) proxy: http:// origins are requested from it in absolute form."""
        return self.scheme in ("http", "https")

    @property
    def key(self) -> str:
        """Names the proxy and its credentials in the connection pool (no secret in it)."""
        secret = hashlib.sha256(self.authorization or b"").hexdigest()[:16]
        return f"{self.scheme}://{self.host}:{self.port}#{secret}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def basic_credentials(authorization: bytes) -> tuple[str | None, str | None]:
    """user and password of a ``Basic`` Proxy-Authorization value (for SOCKS5's RFC 1929)."""
    kind, _, token = authorization.strip().partition(b" ")
    if kind.lower() != b"basic":
        return None, None
    try:
        user, _, password = base64.b64decode(token.strip(), validate=True).decode("latin-1").partition(":")
    except (binascii.Error, ValueError):
        return None, None
    return user, password


async def connect(proxy: Proxy, scheme: str, host: str, port: int, *, tls: ssl.SSLContext,
                  resolve_origin: Callable[[str, int], Awaitable[str]]) -> tuple[Stream, str | None]:
    """A stream to the origin through the proxy, and the address connected to (the proxy's).
    For a forwarding HTTP proxy and an http:// origin the stream is the proxy connection itself."""
    if proxy.scheme.startswith("socks5"):
        return await _socks(proxy, scheme, host, port, tls, resolve_origin)
    loop = asyncio.get_running_loop()
    try:
        _, stream = await loop.create_connection(
            Stream, proxy.host, proxy.port, ssl=tls if proxy.scheme == "https" else None,
            server_hostname=proxy.host if proxy.scheme == "https" else None)
    except (OSError, ssl.SSLError) as exc:
        raise ProxyFailed(f"cannot connect to the proxy {proxy}: {exc!r}") from exc
    ip = _peer(stream.transport)
    if scheme == "https":
        try:
            await _tunnel(stream, proxy, host, port)
            stream.transport = await loop.start_tls(stream.transport, stream, tls, server_hostname=host)
        except BaseException:
            stream.close()
            raise
    return stream, ip


async def _tunnel(stream: Stream, proxy: Proxy, host: str, port: int) -> None:
    """CONNECT host:port through an HTTP(S) proxy (RFC 9110 9.3.6)."""
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1".encode("idna"), f"Host: {target}".encode("idna")]
    if proxy.authorization:
        lines.append(b"Proxy-Authorization: " + proxy.authorization)
    stream.transport.write(b"\r\n".join(lines) + b"\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        data = await stream.read()
        if not data:
            raise ProxyFailed(f"the proxy {proxy} closed the connection while asked to CONNECT {target}")
        head += data
        if len(head) > MAX_CONNECT_HEAD:
            raise ProxyFailed(f"the proxy {proxy} answered CONNECT {target} with an endless head")
    head, _, rest = head.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    fields = status_line.split(" ", 2)
    status = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
    if status in _CONNECT_UNREACHABLE:
        raise ConnectFailed(f"cannot connect to {target} through the proxy {proxy}: {status_line}")
    if not 200 <= status < 300:
        raise ProxyFailed(f"the proxy {proxy} refused CONNECT {target}: {status_line!r}")
    if rest:  # the origin speaks only after our TLS hello
        raise ProxyFailed(f"the proxy {proxy} sent {len(rest)} unexpected bytes after CONNECT {target}")


async def _socks(proxy: Proxy, scheme: str, host: str, port: int, tls: ssl.SSLContext,
                 resolve_origin: Callable[[str, int], Awaitable[str]]) -> tuple[Stream, str | None]:
    remote_dns = proxy.scheme == "socks5h"
    destination = host if remote_dns else await resolve_origin(host, port)  # socks5: ours, with the guard
    client = SocksProxy(ProxyType.SOCKS5, proxy.host, proxy.port, username=proxy.username,
                        password=proxy.password, rdns=remote_dns)
    try:
        sock = await client.connect(dest_host=destination, dest_port=port)
    except ProxyConnectionError as exc:
        raise ProxyFailed(f"cannot connect to the proxy {proxy}: {exc}") from exc
    except ProxyTimeoutError as exc:
        raise ProxyFailed(f"the proxy {proxy} did not answer in time: {exc}") from exc
    except ProxyError as exc:
        if exc.error_code in _SOCKS_UNREACHABLE:
            raise ConnectFailed(f"cannot connect to {host}:{port} through the proxy {proxy}: "
                                f"{_SOCKS_UNREACHABLE[exc.error_code]}") from exc
        raise ProxyFailed(f"the proxy {proxy} refused the connection to {host}:{port}: {exc}") from exc
    ip = _peer_of(sock)
    loop = asyncio.get_running_loop()
    try:
        _, stream = await loop.create_connection(Stream, sock=sock, ssl=tls if scheme == "https" else None,
                                                 server_hostname=host if scheme == "https" else None)
    except BaseException:
        sock.close()
        raise
    return stream, ip


def _peer(transport) -> str | None:
    peer = transport.get_extra_info("peername") if transport is not None else None
    return peer[0] if peer else None


def _peer_of(sock: socket.socket) -> str | None:
    try:
        return sock.getpeername()[0]
    except OSError:
        return None

"""Opening one connection for the client: DNS, the private-address guard, TCP, TLS, and
proxies (crawler/capture/proxy.py). HTTP only: nothing of Scrapy or WARC."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable

from .exchange import BlockedAddress, ConnectFailed, ProxyFailed, ResolveFailed
from .proxy import Proxy
from .proxy import connect as connect_through
from .stream import Connection, Stream

Resolve = Callable[[str, int], Awaitable[list]]  # getaddrinfo-style
MayConnect = Callable[[str, str], bool]  # (host, ip) -> allowed


async def open_connection(scheme: str, host: str, port: int, *, proxy: Proxy | None, tls: ssl.SSLContext,
                          limit: float, resolve: Resolve | None = None,
                          may_connect: MayConnect | None = None) -> Connection:
    """A new connection to the origin (through the proxy, if any), within ``limit`` seconds."""
    if proxy is not None:
        async def resolve_origin(name: str, number: int) -> str:  # socks5:// resolves here, guarded
            return (await addresses(name, number, resolve, may_connect))[0][4][0]

        try:
            async with asyncio.timeout(limit):
                stream, ip = await connect_through(proxy, scheme, host, port, tls=tls, resolve_origin=resolve_origin)
        except TimeoutError as exc:
            raise ProxyFailed(f"no connection to {host}:{port} through the proxy {proxy} within {limit}s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise ConnectFailed(f"cannot connect to {host}:{port} through the proxy {proxy}: {exc!r}") from exc
        return Connection(stream, ip)
    try:
        async with asyncio.timeout(limit):
            infos = await addresses(host, port, resolve, may_connect)
    except TimeoutError as exc:
        raise ResolveFailed(f"cannot resolve {host}: timed out after {limit}s") from exc
    loop = asyncio.get_running_loop()
    last_error: Exception | None = None
    for family, _, _, _, sockaddr in infos:
        ip = sockaddr[0]
        try:
            async with asyncio.timeout(limit):
                _, stream = await loop.create_connection(
                    Stream, ip, port, family=family,
                    ssl=tls if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None,
                )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            last_error = exc
            continue
        return Connection(stream, ip)
    raise ConnectFailed(f"cannot connect to {host}:{port}: {last_error!r}")


async def addresses(host: str, port: int, resolve: Resolve | None, may_connect: MayConnect | None) -> list:
    """getaddrinfo's answers for the host, those the address guard allows: checked after DNS, so
    that a name cannot lead the crawler to a private or loopback address it was not started on."""
    loop = asyncio.get_running_loop()
    try:
        infos = await (resolve(host, port) if resolve else loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    except (socket.gaierror, TimeoutError) as exc:
        raise ResolveFailed(f"cannot resolve {host}: {exc}") from exc
    if may_connect is not None:
        allowed = [info for info in infos if may_connect(host, info[4][0])]
        if not allowed:
            raise BlockedAddress(f"{host} resolves to {infos[0][4][0]}, a non-public address the crawl "
                                 f"did not start on (ARCHIVE_ALLOW_PRIVATE allows it)")
        infos = allowed
    return infos

"""One HTTP exchange as it was on the wire, and the ways an exchange fails (HTTP only:
nothing of Scrapy or WARC)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit


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


class ProxyFailed(WireError):
    """The proxy could not be reached, refused our credentials or the tunnel (not the origin's fault)."""


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


# Never sent to the origin: framing is the client's, proxy credentials are the proxy's.
_NOT_FORWARDED = (b"host", b"content-length", b"transfer-encoding", b"connection", b"proxy-authorization")


def build_request_head(method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """The request as the origin receives it: origin-form target, no Proxy-Authorization."""
    parts = urlsplit(url)
    lines = [f"{method} {request_target(url)} HTTP/1.1".encode("ascii"), b"Host: " + host_header(parts)]
    for name, value in headers:
        if name.lower() in _NOT_FORWARDED:
            continue
        lines.append(name + b": " + value)
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def forwarding_head(head: bytes, url: str, authorization: bytes | None) -> bytes:
    """The same request for a forwarding HTTP proxy: absolute-form target (RFC 9112 3.2.2),
    plus the proxy's Proxy-Authorization."""
    request_line, _, rest = head.partition(b"\r\n")
    method, _, _ = request_line.partition(b" ")
    parts = urlsplit(url)
    absolute = f"{parts.scheme}://".encode("ascii") + host_header(parts) + request_target(url).encode("ascii")
    line = method + b" " + absolute + b" HTTP/1.1"
    if authorization:
        line += b"\r\nProxy-Authorization: " + authorization
    return line + b"\r\n" + rest


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

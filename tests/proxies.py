"""Real proxies on 127.0.0.1, each with authentication, written for the tests:

- ``HttpProxy``: an HTTP proxy that forwards absolute-form requests (``GET http://host/…``) in
  origin form and opens ``CONNECT`` tunnels; with ``tls`` it is an HTTPS proxy (TLS between the
  crawler and the proxy). Basic ``Proxy-Authorization`` or 407.
- ``Socks5Proxy``: SOCKS5 (RFC 1928) with user/password authentication only (RFC 1929),
  ``CONNECT`` to IPv4 addresses and to domain names (socks5h), replying "host unreachable"
  when a name does not resolve.

Both record what they were asked (``seen``) and the local ports of the connections they
opened to origins (``upstream_ports``), so a test can match them against the client ports
the origin saw.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import socketserver
import ssl
import struct
import threading
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from tests.servers import LoopbackServer

IDLE = 30  # seconds a piped connection may stay silent


@dataclass
class ProxySeen:
    method: str  # GET, CONNECT (HTTP proxy) or CONNECT (SOCKS5)
    target: str  # the absolute URL or host:port asked for
    authorized: bool
    headers: list[tuple[str, str]] = field(default_factory=list)  # HTTP proxy: the request's header lines


def pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until one side closes or both stay silent for IDLE seconds."""
    peers = {a: b, b: a}
    while True:
        ready = [s for s in peers if isinstance(s, ssl.SSLSocket) and s.pending()]
        if not ready:
            ready, _, _ = select.select(list(peers), [], [], IDLE)
            if not ready:
                return
        for sock in ready:
            try:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
            except OSError:
                return


def read_head(sock: socket.socket) -> tuple[bytes, bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


class _Recording(LoopbackServer):
    def __init__(self, username: str, password: str):
        self.username, self.password = username, password
        self.seen: list[ProxySeen] = []
        self.upstream_ports: set[int] = set()
        self.lock = threading.Lock()

    def record(self, seen: ProxySeen) -> None:
        with self.lock:
            self.seen.append(seen)

    def upstream(self, host: str, port: int) -> socket.socket:
        sock = socket.create_connection((host, port), timeout=IDLE)
        with self.lock:
            self.upstream_ports.add(sock.getsockname()[1])
        return sock


class HttpProxy(_Recording):
    def __init__(self, username: str = "proxyuser", password: str = "s3cret:pw", tls: ssl.SSLContext | None = None):
        super().__init__(username, password)
        self.tls = tls
        self.expected = b"Basic " + base64.b64encode(f"{username}:{password}".encode())
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                sock = self.request
                try:
                    if proxy.tls is not None:
                        sock = proxy.tls.wrap_socket(sock, server_side=True)
                    proxy.serve_one(sock)
                except OSError:
                    pass
                finally:
                    sock.close()

        self.serve(Handler)
        self.scheme = "https" if tls else "http"

    def proxy_url(self, username: str | None = None, password: str | None = None) -> str:
        """The proxy's URL with credentials (percent-encoded as proxy URLs need)."""
        user, secret = username or self.username, password or self.password
        return f"{self.scheme}://{quote(user, safe='')}:{quote(secret, safe='')}@127.0.0.1:{self.port}"

    def serve_one(self, sock: socket.socket) -> None:
        got = read_head(sock)
        if got is None:
            return
        head, rest = got
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]
        authorization = next((v for k, v in headers if k.lower() == "proxy-authorization"), "")
        authorized = authorization.encode() == self.expected
        self.record(ProxySeen(method, target, authorized, headers))
        if not authorized:
            sock.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n"
                         b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            try:
                upstream = self.upstream(host.strip("[]"), int(port))
            except OSError:
                sock.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            with upstream:
                sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                pipe(sock, upstream)
            return
        parts = urlsplit(target)  # absolute form: forwarded in origin form, one request per connection
        try:
            upstream = self.upstream(parts.hostname, parts.port or 80)
        except OSError:
            sock.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        with upstream:
            origin_form = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            kept = [f"{k}: {v}" for k, v in headers
                    if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")]
            upstream.sendall(f"{method} {origin_form} HTTP/1.1\r\n".encode("latin-1")
                             + "\r\n".join([*kept, "Connection: close", "Via: 1.1 test-proxy"]).encode("latin-1")
                             + b"\r\n\r\n" + rest)
            pipe(sock, upstream)


class Socks5Proxy(_Recording):
    def __init__(self, username: str = "socksuser", password: str = "p@ss word"):
        super().__init__(username, password)
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                with contextlib.suppress(OSError, struct.error, ValueError):
                    proxy.serve_one(self.request)

        self.serve(Handler)

    def proxy_url(self, scheme: str = "socks5h", username: str | None = None, password: str | None = None) -> str:
        user, secret = username or self.username, password or self.password
        return f"{scheme}://{quote(user, safe='')}:{quote(secret, safe='')}@127.0.0.1:{self.port}"

    @staticmethod
    def _exactly(sock: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ValueError("closed")
            data += chunk
        return data

    def serve_one(self, sock: socket.socket) -> None:
        read = lambda n: self._exactly(sock, n)  # noqa: E731
        version, count = read(2)
        methods = read(count)
        if version != 5 or 2 not in methods:  # user/password or nothing
            sock.sendall(b"\x05\xff")
            return
        sock.sendall(b"\x05\x02")
        _, ulen = read(2)
        user = read(ulen).decode()
        (plen,) = read(1)
        password = read(plen).decode()
        authorized = (user, password) == (self.username, self.password)
        sock.sendall(b"\x01\x00" if authorized else b"\x01\x01")
        if not authorized:
            self.record(ProxySeen("AUTH", user, False))
            return
        _, command, _, kind = read(4)
        if kind == 1:
            host = socket.inet_ntoa(read(4))
        elif kind == 3:
            (length,) = read(1)
            host = read(length).decode("idna")
        elif kind == 4:
            host = socket.inet_ntop(socket.AF_INET6, read(16))
        else:
            raise ValueError("address type")
        (port,) = struct.unpack("!H", read(2))
        self.record(ProxySeen("CONNECT" if command == 1 else str(command), f"{host}:{port}", True,
                              [("address-type", {1: "ipv4", 3: "domain", 4: "ipv6"}[kind])]))
        if command != 1:
            sock.sendall(b"\x05\x07\x00\x01" + bytes(6))
            return
        try:
            address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0]
        except socket.gaierror:
            sock.sendall(b"\x05\x04\x00\x01" + bytes(6))  # host unreachable
            return
        try:
            upstream = self.upstream(address, port)
        except OSError:
            sock.sendall(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
            return
        with upstream:
            bound_ip, bound_port = upstream.getsockname()[:2]
            sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton(bound_ip) + struct.pack("!H", bound_port))
            pipe(sock, upstream)

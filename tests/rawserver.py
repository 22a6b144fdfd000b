"""A misbehaving HTTP server on 127.0.0.1: each path answers with scripted raw bytes.

Real servers get framing wrong in ways no well-behaved test server can: a 304 or
204 with a body, two Content-Length headers that differ, two Transfer-Encoding
headers, no status line at all, a 100 Continue and then nothing. Each route here
is a function that writes whatever bytes it likes on the socket and says whether
the connection stays open for the next request (keep-alive) or closes. Every
request is recorded with the number of the connection it came on.
"""

from __future__ import annotations

import itertools
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tests.servers import LoopbackServer


@dataclass
class Seen:
    path: str
    connection: int  # 1, 2, ... in the order connections were accepted
    head: bytes  # the request line and headers as received


# A route: (connection, request, server) -> keep the connection open for another request?
Handler = Callable[["RawConnection", Seen, "RawServer"], bool]


class RawConnection:
    def __init__(self, sock: socket.socket, number: int, server: RawServer):
        self.sock = sock
        self.number = number
        self.server = server
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def next_request(self) -> Seen | None:
        """Read the next request head on this connection (recorded); None once it closes."""
        while b"\r\n\r\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        path = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1").split("?", 1)[0]
        seen = Seen(path, self.number, head)
        with self.server.changed:
            self.server.seen.append(seen)
            self.server.changed.notify_all()
        return seen


def response(status: str, headers: list[tuple[str, str]], body: bytes = b"", *, length: bool = True) -> bytes:
    """An ordinary response's bytes (Content-Length added unless ``length`` is False)."""
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(data: bytes, size: int = 100, trailers: bytes = b"") -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size))
    return out + b"0\r\n" + trailers + b"\r\n"


def sends(data: bytes, keep: bool = True) -> Handler:
    """A route that writes ``data`` and keeps (or closes) the connection."""

    def handler(conn: RawConnection, seen: Seen, server: RawServer) -> bool:
        conn.send(data)
        return keep

    return handler


class RawServer(LoopbackServer):
    def __init__(self):
        self.routes: dict[str, Handler] = {}
        self.seen: list[Seen] = []
        self.changed = threading.Condition()
        self.released = threading.Event()  # lets routes that hang go on (set at stop)
        self._connections = itertools.count(1)
        server = self

        class Connection(socketserver.BaseRequestHandler):
            def handle(self):
                server._serve(self.request, next(server._connections))

        self.serve(Connection)

    def stopping(self) -> None:
        self.released.set()

    def hang(self) -> None:
        """For a route: hold the connection without answering, until the server stops."""
        self.released.wait(120)

    def requests_for(self, path: str) -> list[Seen]:
        with self.changed:
            return [seen for seen in self.seen if seen.path == path]

    def _serve(self, sock: socket.socket, number: int) -> None:
        sock.settimeout(60)
        conn = RawConnection(sock, number, self)
        try:
            while not self.released.is_set():
                seen = conn.next_request()
                if seen is None:
                    return
                handler = self.routes.get(seen.path) or sends(
                    response("404 Not Found", [("Content-Type", "text/plain")], b"not here"))
                if not handler(conn, seen, self):
                    return
        except OSError:
            return

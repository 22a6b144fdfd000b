"""A small news site served on 127.0.0.1 by a real HTTP/1.1 server.

It answers the ways real servers do: gzip bodies, chunked transfer, both at
once, redirects (on and off the site), 404, 500, robots.txt, a PDF, a page in
windows-1251 declared only in a meta tag, binary bytes served as text/html,
repeated Set-Cookie headers, and a page that waits until the test lets it go.
It remembers every request and the exact body bytes it sent for each path.
"""

from __future__ import annotations

import gzip
import random
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers import LoopbackServer

PARAGRAPHS = [
    "The harbour authority said on Tuesday that the new icebreaker would keep the northern "
    "shipping lane open for the whole winter, a first for the port since records began.",
    "Officials told reporters that the vessel, built at a yard on the Baltic coast, had passed "
    "its sea trials in October and would reach the harbour before the first heavy frost.",
    "Local fishermen welcomed the decision, saying that closed waters had cost the town dozens "
    "of jobs each season and pushed younger families to leave for the cities in the south.",
    "Environmental groups were more cautious, warning that year-round traffic could disturb "
    "seal colonies that rest on the ice near the mouth of the bay from January to March.",
    "The regional governor promised an independent study of the route before the spring "
    "season, and said that ships would keep to a narrow corridor marked by new buoys.",
]
SUBHEADING = "A corridor through the ice"
CAPTION = "The icebreaker during sea trials off the Baltic coast in October."
JUNK = ["READ MORE:", "Loading...", "Advertisement", "Sign up for our newsletter"]


def article_html(title: str, paragraphs: list[str] = PARAGRAPHS, lang: str = "en",
                 charset: str = "utf-8", junk: bool = True) -> str:
    body = []
    for i, para in enumerate(paragraphs):
        body.append(f"<p>{para}</p>")
        if i == 1:  # unique per page: a line on every page of a site is furniture
            body.append(f"<h2>{SUBHEADING}, {title.lower()}</h2>")
        if junk and i == 1:
            body.append('<p><a href="/news/other">READ MORE: Port workers strike over pay</a></p>')
            body.append('<div class="widget">Loading...</div>')
        if junk and i == 3:
            body.append('<div class="ad"><span>Advertisement</span></div>')
            body.append(f"<p>{CAPTION}</p>")
    furniture = ""
    if junk:
        furniture = (
            '<aside class="newsletter"><p>Sign up for our newsletter</p></aside>'
            '<footer><p>Route 6</p><p>&copy; Harbour News</p></footer>'
        )
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="{charset}"><title>{title}</title>
<meta property="og:site_name" content="Harbour News">
<meta name="author" content="Anna Berg">
<meta property="article:published_time" content="2024-02-04T09:30:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/private/secret">Members</a></nav>
<article><h1>{title}</h1>
<figure><img src="/img/icebreaker.jpg" alt=""><figcaption>{CAPTION}</figcaption></figure>
{''.join(body)}
</article>{furniture}</body></html>"""


CYRILLIC = [
    "Новый мост через реку Онегу откроют для движения весной, сообщили в администрации района.",
    "Строители завершили укладку пролётов в ноябре, несмотря на ранние морозы и сильный ветер.",
    "Жители окрестных деревень ждали переправу больше десяти лет и говорят о ней с надеждой.",
]


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


@dataclass
class Route:
    status: int = 200
    reason: str = "OK"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False
    hold: threading.Event | None = None  # answer only once this is set
    raw: bytes | None = None  # sent as the whole response, then the connection closes
    raw_then_hold: threading.Event | None = None  # with raw: stall after it until this is set
    delay: float = 0.0  # seconds the server takes to answer (a slow page: requests overlap)


@dataclass
class SeenRequest:
    method: str
    path: str
    request_line: str
    headers: list[tuple[str, str]]
    client_port: int = 0  # the port of the connection it came on (a proxy's, behind one)
    when: float = 0.0  # time.monotonic() when its head arrived


class LocalSite(LoopbackServer):
    """``tls``: serve HTTPS with that server context instead of HTTP."""

    def __init__(self, tls=None):
        self.routes: dict[str, Route] = {}
        self.prefix_routes: list[tuple[str, Route]] = []  # for paths not in routes
        self.failures_left: dict[str, int] = {}  # path -> answer 500 this many times first
        self.requests: list[SeenRequest] = []
        # path -> function of the request giving its route (pages that depend on cookies, on the attempt…)
        self.dynamic: dict[str, object] = {}
        self.open_by_host: dict[str, int] = {}  # requests being answered now, by Host
        self.max_open_by_host: dict[str, int] = {}  # the most answered at once
        self.seen = threading.Condition()
        self.released = threading.Event()  # lets /slow/story answer
        self.never = threading.Event()  # /hang answers only at stop()
        self.serve(self._handler_class(), ThreadingHTTPServer)
        report = self.server.handle_error

        def handle_error(request, client_address):  # a client that left mid-answer (killed crawls, cut bodies)
            if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
                report(request, client_address)

        self.server.handle_error = handle_error
        if tls is not None:  # the handshake happens in the handler's thread, on its first read
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
            self.base = f"https://127.0.0.1:{self.port}"
        self._build_routes()

    def stopping(self) -> None:
        self.released.set()
        self.never.set()

    def release(self) -> None:
        self.released.set()

    def paths_requested(self) -> list[str]:
        with self.seen:
            return [r.path for r in self.requests]

    def wait_for_request(self, path: str, timeout: float = 30) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: any(r.path == path for r in self.requests), timeout)

    def _build_routes(self) -> None:
        html = "text/html; charset=utf-8"
        page = article_html("Icebreaker to keep northern lane open").encode()
        self.routes["/robots.txt"] = Route(
            headers=[("Content-Type", "text/plain")], body=b"User-agent: *\nDisallow: /private/\n")
        self.routes["/news/plain"] = Route(headers=[("Content-Type", html)], body=page)
        self.routes["/news/gzip"] = Route(
            headers=[("Content-Type", html), ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")],
            body=gzip.compress(article_html("Gzip edition of the icebreaker story").encode(), mtime=0))
        self.routes["/news/chunked"] = Route(
            headers=[("Content-Type", html)], chunked=True,
            body=article_html("Chunked edition of the icebreaker story").encode())
        self.routes["/news/gzip-chunked"] = Route(
            headers=[("Content-Type", html), ("Content-Encoding", "gzip")], chunked=True,
            body=gzip.compress(article_html("Gzip and chunked icebreaker story").encode(), mtime=0))
        self.routes["/news/cookies"] = Route(
            headers=[("Content-Type", html), ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/"),
                     ("X-Odd", "  spaced   value ")],
            body=article_html("Cookies and repeated headers").encode())
        self.routes["/news/cp1251"] = Route(
            headers=[("Content-Type", "text/html")],
            body=article_html("Мост через Онегу откроют весной", CYRILLIC * 2, lang="ru",
                              charset="windows-1251", junk=False).encode("cp1251"))
        self.routes["/old/story"] = Route(
            status=301, reason="Moved Permanently", headers=[("Location", "/news/moved")])
        self.routes["/news/etag"] = Route(
            headers=[("Content-Type", html), ("ETag", '"v1"'), ("Last-Modified", "Sun, 04 Feb 2024 09:30:00 GMT")],
            body=article_html("A story with an entity tag").encode())
        self.routes["/news/moved"] = Route(
            headers=[("Content-Type", html)], body=article_html("The story that moved").encode())
        self.routes["/news/offsite"] = Route(
            status=302, reason="Found", headers=[("Location", f"http://localhost:{self.port}/news/plain")])
        self.routes["/news/to-file"] = Route(
            status=302, reason="Found", headers=[("Location", "file:///etc/passwd")])
        self.routes["/news/broken"] = Route(
            status=500, reason="Internal Server Error", headers=[("Content-Type", html)],
            body=b"<html><body><h1>Something broke</h1></body></html>")
        self.routes["/files/report.pdf"] = Route(headers=[("Content-Type", "application/pdf")], body=pdf_bytes())
        self.routes["/news/binary"] = Route(
            headers=[("Content-Type", "text/html")], body=random.Random(7).randbytes(3000))
        self.routes["/news/index"] = Route(
            headers=[("Content-Type", html)],
            body=b"<html><body><ul><li><a href='/news/plain'>Icebreaker</a></li></ul></body></html>")
        self.routes["/private/secret"] = Route(headers=[("Content-Type", html)], body=page)
        self.routes["/slow/story"] = Route(
            headers=[("Content-Type", html)], body=article_html("A story that takes its time").encode(),
            hold=self.released)
        self.routes["/hang"] = Route(headers=[("Content-Type", html)], body=b"late", hold=self.never)
        self.routes["/short-body"] = Route(raw=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                           b"Content-Length: 5000\r\n\r\n<html><body>cut")
        self.routes["/until-close"] = Route(raw=b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                                            b"framed by the connection closing")
        self.routes["/big"] = Route(headers=[("Content-Type", "text/plain")], body=b"x" * 200_000)

    def _handler_class(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # keep test output quiet
                pass

            def do_GET(self):
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                with site.seen:
                    site.open_by_host[host] = site.open_by_host.get(host, 0) + 1
                    site.max_open_by_host[host] = max(site.max_open_by_host.get(host, 0), site.open_by_host[host])
                try:
                    self.answer()
                finally:
                    with site.seen:
                        site.open_by_host[host] -= 1

            def answer(self):
                path = self.path.split("?", 1)[0]
                seen = SeenRequest(self.command, self.path, self.requestline, list(self.headers.items()),
                                   self.client_address[1], time.monotonic())
                with site.seen:
                    site.requests.append(seen)
                    site.seen.notify_all()
                dynamic = site.dynamic.get(path)
                route = (dynamic(seen) if dynamic else None) or site.routes.get(path) or next(
                    (r for prefix, r in site.prefix_routes if self.path.startswith(prefix)), None)
                with site.seen:
                    failing = site.failures_left.get(path, 0)
                    if failing:
                        site.failures_left[path] = failing - 1
                if failing:
                    route = Route(500, "Internal Server Error", [("Content-Type", "text/plain")], b"try again")
                if route is None:
                    route = Route(404, "Not Found", [("Content-Type", "text/html")],
                                  b"<html><body>Not found</body></html>")
                etag = dict(route.headers).get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    route = Route(304, "Not Modified", [("ETag", etag)])
                if route.hold is not None:
                    route.hold.wait(60)
                if route.delay:
                    time.sleep(route.delay)  # the page is slow to make (what the test measures around)
                if route.raw is not None:
                    self.wfile.write(route.raw)
                    self.wfile.flush()
                    if route.raw_then_hold is not None:
                        route.raw_then_hold.wait(60)
                    self.close_connection = True
                    return
                self.send_response_only(route.status, route.reason)
                self.send_header("Date", self.date_time_string())
                self.send_header("Server", "localsite/1.0")
                for name, value in route.headers:
                    self.send_header(name, value)
                if route.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    body = route.body
                    for start in range(0, len(body), 700):
                        chunk = body[start:start + 700]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                elif route.status == 304:
                    self.end_headers()
                else:
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)

        return Handler

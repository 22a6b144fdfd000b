"""A folder of files served over HTTP on 127.0.0.1 (the benchmark's generated news
site, for crawls of a few hundred pages): extensionless paths are HTML."""

from __future__ import annotations

import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.servers import LoopbackServer

TYPES = {".xml": "application/xml", ".txt": "text/plain", ".json": "application/json"}


class StaticSite(LoopbackServer):
    def __init__(self, root: Path):
        root = Path(root)
        self.requests: list[str] = []
        lock = threading.Lock()
        site = self

        class Handler(SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def guess_type(self, path):
                suffix = Path(str(path)).suffix
                if suffix in TYPES:
                    return TYPES[suffix]
                # the pages' requisites (stylesheet, script, images) as what they are
                return super().guess_type(path) if suffix else "text/html; charset=utf-8"

            def send_head(self):
                with lock:
                    site.requests.append(self.path)
                return super().send_head()

            def log_message(self, format, *args):
                pass

        self.serve(Handler, ThreadingHTTPServer)

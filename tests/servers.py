"""Starting and stopping the tests' own servers on 127.0.0.1: one lifecycle for all of
them (the news site, the static benchmark site, the misbehaving raw-socket server)."""

from __future__ import annotations

import socketserver
import threading


class LoopbackServer:
    """A socketserver server on 127.0.0.1 and a free port, served from a thread.

    Subclasses make ``self.server`` with ``serve(handler_class, server_class)`` and may
    override ``stopping()`` to release whatever their handlers wait on."""

    server: socketserver.BaseServer

    def serve(self, handler_class, server_class=socketserver.ThreadingTCPServer) -> None:
        server_class.allow_reuse_address = True
        self.server = server_class(("127.0.0.1", 0), handler_class)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=type(self).__name__)

    def url(self, path: str) -> str:
        return self.base + path

    def start(self):
        self._thread.start()
        return self

    def stopping(self) -> None:
        """Called first by stop(): let handlers that wait go on."""

    def stop(self) -> None:
        self.stopping()
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

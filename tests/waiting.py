"""Waiting in tests: for a condition another process or thread makes true, bounded in time,
and for a server's port to accept connections. No sleep stands in for synchronisation:
each loop polls something observable and gives up with a clear message."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 60, what: str = "the condition",
               interval: float = 0.05) -> T:
    """The condition's first true value; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(interval)  # polling an external state, not a stand-in for an event
    return value


def free_port() -> int:
    """A TCP port nobody listens on (for servers the tests start, and for refused connections)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, alive: Callable[[], bool] = lambda: True) -> bool:
    """Whether 127.0.0.1:port accepts a connection; raises once ``alive()`` says the server died."""
    if not alive():
        raise RuntimeError(f"the server meant for port {port} exited")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_for_port(port: int, alive: Callable[[], bool] = lambda: True, timeout: float = 30) -> None:
    wait_until(lambda: port_open(port, alive), timeout, f"a server on 127.0.0.1:{port}")

"""Extraction off the reactor thread, in worker processes, each page with a time limit.

trafilatura costs ~10 ms of CPU per page; done in the reactor thread it
serialises the crawl on one core and stalls downloads. Here each page is sent
to a worker process and awaited, so the reactor keeps downloading and every
core extracts.

- Each worker is a process of its own with a pipe: the pool always knows which
  page a worker holds. A page that runs past ``timeout`` seconds has its worker
  killed and replaced (``ExtractionTimedOut``); a page whose worker dies (killed,
  out of memory, a crash in a C extension) fails alone (``WorkerCrashed``); the
  other workers and their pages never notice. (concurrent.futures' process pool
  can do neither: a running task cannot be stopped, and one dead worker breaks
  the whole pool.)
- Back-pressure: at most ``max_pending`` pages are inside the pool at once
  (waiting for a worker or being extracted); the rest wait in the pipeline, and
  Scrapy stops fetching while the responses waiting in its scraper exceed
  SCRAPER_SLOT_MAX_ACTIVE_SIZE, so memory stays bounded.

No Scrapy imports: the pipeline decides what to do with the results.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import socket
import struct
import threading
import time
from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler

logger = logging.getLogger(__name__)

READY = "ready"
START_TIMEOUT = 120.0  # seconds for a new worker to import the extractor


class WorkerCrashed(RuntimeError):
    """The page's extraction killed its worker process."""


class ExtractionTimedOut(RuntimeError):
    """The page's extraction ran past the pool's time limit; its worker was replaced."""


_loaded: dict[str, Callable] = {}


def load_function(function_path: str) -> Callable:
    """``package.module.function`` -> the function (cached)."""
    function = _loaded.get(function_path)
    if function is None:
        module_name, _, name = function_path.rpartition(".")
        module = __import__(module_name, fromlist=[name])
        function = _loaded[function_path] = getattr(module, name)
    return function


def _exit_with_parent(parent_pid: int) -> None:
    """A crawl killed with SIGKILL cannot stop its workers: they leave on their own."""
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)


def _serve(conn, function_path: str, parent_pid: int) -> None:
    """A worker: import the extractor once, then answer one page at a time."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True, name="parent-watch").start()
    function = load_function(function_path)
    conn.send(READY)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        args, kwargs = message
        try:
            answer = (True, function(*args, **kwargs))
        except Exception as exc:  # the page's error, given back to the pipeline
            answer = (False, exc)
        try:
            conn.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send((False, RuntimeError(f"unpicklable extraction result: {exc!r}")))


class _TimedOut(Exception):
    pass


class _Worker:
    """One worker process and its end of a socket pair. The parent reads and writes it on the
    event loop (multiprocessing's own framing: a 4-byte length, then the pickle), so a page
    costs no thread hop; the worker uses a plain multiprocessing Connection."""

    def __init__(self, context, function_path: str):
        self.conn, child = context.Pipe()  # duplex: a Unix socket pair
        self.process = context.Process(target=_serve, args=(child, function_path, os.getpid()), daemon=True,
                                       name="extract-worker")
        self.process.start()
        child.close()
        self.sock = socket.socket(fileno=os.dup(self.conn.fileno()))
        self.sock.setblocking(False)
        self.ready = False

    async def call(self, args: tuple, kwargs: dict, timeout: float | None) -> tuple[bool, object]:
        """One page to the worker and its answer back; _TimedOut, or EOFError/OSError if it died."""
        loop = asyncio.get_running_loop()
        if not self.ready:
            try:
                self.ready = await asyncio.wait_for(self._receive(loop), START_TIMEOUT) == READY
            except TimeoutError:
                raise _TimedOut from None
        data = ForkingPickler.dumps((args, kwargs))
        size = len(data)
        header = struct.pack("!i", size) if size <= 0x7FFFFFFF else struct.pack("!iQ", -1, size)
        await loop.sock_sendall(self.sock, header + bytes(data))
        try:
            return await asyncio.wait_for(self._receive(loop), timeout)
        except TimeoutError:
            raise _TimedOut from None

    async def _receive(self, loop):
        (size,) = struct.unpack("!i", await self._exactly(loop, 4))
        if size == -1:
            (size,) = struct.unpack("!Q", await self._exactly(loop, 8))
        return pickle.loads(await self._exactly(loop, size))

    async def _exactly(self, loop, size: int) -> bytearray:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            received = await loop.sock_recv_into(self.sock, view[got:])
            if not received:
                raise EOFError("the extraction worker closed its end")
            got += received
        return buffer

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.sock.setblocking(True)
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.sock.close()
        self.conn.close()


class ExtractionPool:
    def __init__(self, function_path: str, workers: int, max_pending: int | None = None, timeout: float = 0):
        self.function_path = function_path
        self.workers = max(1, workers)
        self.max_pending = max_pending or 2 * self.workers
        self.timeout = timeout or None  # seconds a page may take; None: no limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue | None = None
        self._all: list[_Worker] = []
        self._semaphore: asyncio.Semaphore | None = None
        self.pending = 0
        self.max_pending_seen = 0
        self.restarts = 0

    def start(self) -> None:
        """Start the workers now (they import the extractor while the crawl fetches its first
        pages); otherwise they start with the first page. Call inside the event loop."""
        if self._semaphore is None:
            self._start()

    def _start(self) -> None:
        # spawn: fresh interpreters, never a fork of the crawler with its reactor, sockets
        # and open files; their parent is the crawl itself, which their watchdog follows.
        self._semaphore = asyncio.Semaphore(self.max_pending)
        self._idle = asyncio.Queue()
        for _ in range(self.workers):
            self._add_worker()

    def _add_worker(self) -> None:
        worker = _Worker(self._context, self.function_path)
        self._all.append(worker)
        self._idle.put_nowait(worker)

    def _replace(self, worker: _Worker, why: str) -> None:
        self._all.remove(worker)
        worker.stop(kill=True)
        self.restarts += 1
        logger.error("Extraction worker %s %s; a new one takes its place (restart %d)", worker.process.pid, why,
                     self.restarts)
        self._add_worker()

    async def run(self, *args, **kwargs):
        """The extractor's result for one page, computed in a worker process."""
        if self._semaphore is None:
            self._start()
        async with self._semaphore:
            self.pending += 1
            self.max_pending_seen = max(self.max_pending_seen, self.pending)
            try:
                return await self._run(args, kwargs)
            finally:
                self.pending -= 1

    async def _run(self, args: tuple, kwargs: dict):
        worker = await self._idle.get()
        try:
            ok, value = await worker.call(args, kwargs, self.timeout)
        except _TimedOut:
            self._replace(worker, f"ran past {self.timeout}s on a page")
            raise ExtractionTimedOut(f"extraction took more than {self.timeout}s") from None
        except (EOFError, OSError) as exc:
            self._replace(worker, "died on a page")
            raise WorkerCrashed("the extraction worker died on this page") from exc
        self._idle.put_nowait(worker)
        if ok:
            return value
        raise value

    def close(self) -> None:
        for worker in self._all:
            worker.stop()
        self._all.clear()

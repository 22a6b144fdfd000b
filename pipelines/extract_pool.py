"""Extraction off the reactor thread, in a pool of worker processes.

trafilatura costs ~10 ms of CPU per page; done in the reactor thread it
serialises the crawl on one core and stalls downloads. Here each page is sent
to a worker process and awaited, so the reactor keeps downloading and both
cores extract.

- Back-pressure: at most ``max_pending`` pages are submitted at once; the rest
  wait in the pipeline, and Scrapy stops fetching while the responses waiting
  in its scraper exceed SCRAPER_SLOT_MAX_ACTIVE_SIZE, so memory stays bounded.
- A worker that dies (killed, out of memory, a crash in a C extension) breaks
  the whole ProcessPoolExecutor: the pool is replaced, and each page that was
  in it is tried once more alone, in a one-worker pool of its own, so that the
  page that kills its worker fails (with a clear error) and its neighbours do
  not. The crawl goes on.

No Scrapy imports: the pipeline decides what to do with the results.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

logger = logging.getLogger(__name__)


class WorkerCrashed(RuntimeError):
    """The page's extraction killed its worker process twice."""


def _warm_up(function_path: str, parent_pid: int) -> None:
    """Import the extractor (trafilatura, lxml) once per worker, not per page, and
    leave with the crawl: a crawl killed with SIGKILL cannot stop its workers."""
    load_function(function_path)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True, name="parent-watch").start()


def _exit_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)


_loaded: dict[str, Callable] = {}


def load_function(function_path: str) -> Callable:
    """``package.module.function`` -> the function (cached)."""
    function = _loaded.get(function_path)
    if function is None:
        module_name, _, name = function_path.rpartition(".")
        module = __import__(module_name, fromlist=[name])
        function = _loaded[function_path] = getattr(module, name)
    return function


def _run(function_path: str, args: tuple, kwargs: dict):
    return load_function(function_path)(*args, **kwargs)


class ExtractionPool:
    def __init__(self, function_path: str, workers: int, max_pending: int | None = None):
        self.function_path = function_path
        self.workers = max(1, workers)
        self.max_pending = max_pending or 2 * self.workers
        self._executor: ProcessPoolExecutor | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self.pending = 0
        self.max_pending_seen = 0
        self.restarts = 0

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        # spawn: fresh interpreters, never a fork of the crawler with its reactor,
        # sockets and open files; and their parent is the crawl itself, which
        # their watchdog follows (a forkserver in between outlives a killed crawl).
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_up,
                                   initargs=(self.function_path, os.getpid()))

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor(self.workers)
        return self._executor

    def _replace_pool(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:
            self._executor = None
            self.restarts += 1
            broken.shutdown(wait=False, cancel_futures=True)
            logger.error("An extraction worker died; starting a new pool (restart %d)", self.restarts)

    async def run(self, *args, **kwargs):
        """The extractor's result for one page, computed in a worker process."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_pending)
        async with self._semaphore:
            self.pending += 1
            self.max_pending_seen = max(self.max_pending_seen, self.pending)
            try:
                executor = self._pool()
                try:
                    return await asyncio.wrap_future(executor.submit(_run, self.function_path, args, kwargs))
                except BrokenProcessPool:
                    self._replace_pool(executor)
                return await self._run_alone(args, kwargs)
            finally:
                self.pending -= 1

    async def _run_alone(self, args: tuple, kwargs: dict):
        alone = self._new_executor(1)
        try:
            return await asyncio.wrap_future(alone.submit(_run, self.function_path, args, kwargs))
        except BrokenProcessPool as exc:
            raise WorkerCrashed("the extraction worker died on this page, twice") from exc
        finally:
            alone.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

"""Reading a subprocess's output with timeouts, for tests that act on what it says."""

from __future__ import annotations

import queue
import threading
import time


class Lines:
    """A process's output lines, read in a thread so the test can wait with a timeout."""

    def __init__(self, process):
        self.queue: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process):
        for line in process.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def until(self, text: str, timeout: float = 60) -> list[str]:
        """Lines up to the first one containing ``text``; fails if the process ends or time runs out."""
        lines, deadline = [], time.monotonic() + timeout
        while True:
            line = self.queue.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"exited before {text!r}: {''.join(self.seen)[-2000:]}"
            lines.append(line)
            self.seen.append(line)
            if text in line:
                return lines

    def rest(self, timeout: float = 60) -> str:
        """Everything until the process closes its output."""
        deadline = time.monotonic() + timeout
        while (line := self.queue.get(timeout=max(0.1, deadline - time.monotonic()))) is not None:
            self.seen.append(line)
        return "".join(self.seen)

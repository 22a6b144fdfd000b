"""One TCP (or TLS) connection as an asyncio protocol: the bytes as they arrive, and
whether any arrived while it waited idle in the pool (HTTP only)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

_READ_HIGH_WATER = 4 << 20


class Stream(asyncio.Protocol):
    """One TCP (or TLS) connection: bytes as they arrive, and whether any arrived while idle."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.idle = False
        self.dirty = False  # bytes (or a close) arrived while no request was waiting
        self._waiter: asyncio.Future | None = None
        self._paused = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.idle:
            self.dirty = True
        self.buffer += data
        if len(self.buffer) > _READ_HIGH_WATER and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc) -> None:
        self.eof = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def read(self) -> bytes:
        """What arrived since the last read; b"" once the peer closed."""
        while not self.buffer and not self.eof:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data, self.buffer = bytes(self.buffer), bytearray()
        if self._paused:
            self._paused = False
            self.transport.resume_reading()
        return data

    @property
    def usable(self) -> bool:
        return not (self.eof or self.dirty or self.buffer or self.transport is None or self.transport.is_closing())

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class Connection:
    stream: Stream
    ip_address: str | None
    reused: bool = False

    def close(self) -> None:
        self.stream.close()

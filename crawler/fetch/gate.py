"""Politeness per host: one request at a time, and a pause of at least ``interval`` seconds
between the end of one request and the start of the next.

Gates live in a ``GateRegistry``; ``GATES`` is the process-wide one, so that every crawl of
the process that talks to a host goes through that host's one gate, however many clients
there are. A server's ``Retry-After`` can push a host's next slot back (``defer``), which
then holds for every crawl of the process, not only the one that was told.

The clock and the sleep are injectable, so that tests can run a gate on a ``FakeClock``.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from retry import SYSTEM_CLOCK, Clock

Sleep = Callable[[float], Awaitable[None] | None]


class HostGate:
    """The one door to one host.

    ``slot()`` is held for the whole request, body included: at most one request is in
    flight, and the next one starts no sooner than ``interval`` seconds after the previous
    one ended, so the spacing between two request starts is at least ``interval`` too.
    """

    def __init__(
        self, host: str, interval: float, *, clock: Clock = SYSTEM_CLOCK, sleep: Sleep | None = None
    ) -> None:
        if interval < 0:
            raise ValueError("interval cannot be negative")
        self.host = host
        self.interval = interval
        self.clock = clock
        self._sleep = sleep or asyncio.sleep
        self._last_end: float | None = None
        self._not_before = float("-inf")
        # An asyncio.Lock belongs to one event loop; a process may run several in turn.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.requests = 0  # slots granted, for the curious and for tests

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def wait_needed(self) -> float:
        """Seconds until the next request may start (0 if it may start now)."""
        now = self.clock.monotonic()
        ready = self._not_before
        if self._last_end is not None:
            ready = max(ready, self._last_end + self.interval)
        return max(0.0, ready - now)

    def defer(self, seconds: float) -> None:
        """Start no request to this host for ``seconds`` from now (a server's Retry-After)."""
        self._not_before = max(self._not_before, self.clock.monotonic() + max(0.0, seconds))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._lock():
            while (wait := self.wait_needed()) > 0:
                result = self._sleep(wait)
                if inspect.isawaitable(result):
                    await result
            self.requests += 1
            try:
                yield
            finally:
                self._last_end = self.clock.monotonic()


class GateRegistry:
    """The gates of a process (or of a test), one per host, made on first use.

    A host asked for with several intervals keeps the largest: a less patient caller
    never makes a host's gate less polite.
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK, sleep: Sleep | None = None) -> None:
        self.clock = clock
        self.sleep = sleep
        self._gates: dict[str, HostGate] = {}
        self._guard = threading.Lock()

    def gate(self, host: str, interval: float) -> HostGate:
        with self._guard:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = HostGate(
                    host, interval, clock=self.clock, sleep=self.sleep
                )
            elif interval > gate.interval:
                gate.interval = interval
            return gate

    def __contains__(self, host: str) -> bool:
        return host in self._gates


GATES = GateRegistry()

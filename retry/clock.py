"""The clocks of the project: the real one, and the fakes that tests and demos drive.

Deadlines are measured on ``monotonic()``; ``Retry-After`` HTTP dates are compared with
``time()`` (seconds since the epoch); the scheduler and the crawl runs read ``now()`` (an
aware UTC datetime) and wait with ``SleepingClock.sleep``. A ``FakeClock`` advances only
when told to, and its ``sleep`` records each wait and advances the clock, so it can be
passed as ``sleep=`` to any retry form and nothing waits in real time. A ``VirtualClock``
starts at a given moment and jumps to the end of every ``await clock.sleep(...)`` at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time as _time
from dataclasses import dataclass, field
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for deadlines)."""
        ...

    def time(self) -> float:
        """Seconds since the epoch (for HTTP dates)."""
        ...

    def now(self) -> dt.datetime:
        """The current time, aware, in UTC."""
        ...


class SleepingClock(Clock, Protocol):
    """A clock that can also be waited on (the scheduler's, the crawl runs' heartbeats)."""

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clocks of the process."""

    def monotonic(self) -> float:
        return _time.monotonic()

    def time(self) -> float:
        return _time.time()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()


@dataclass
class FakeClock:
    """A clock that stands still until ``sleep`` or ``advance`` moves it.

    ``epoch`` is what ``time()`` returns at ``monotonic() == 0``. ``sleeps`` lists every
    wait passed to ``sleep``/``asleep`` in order.
    """

    epoch: float = 1_700_000_000.0
    now_seconds: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now_seconds

    def time(self) -> float:
        return self.epoch + self.now_seconds

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.time(), dt.UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self.now_seconds += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(float(seconds))
        self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class VirtualClock:
    """A clock that stands still from ``start`` until slept on; each sleep moves it forward
    at once (``monotonic()`` counts from ``start``)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be aware")
        self._now = start.astimezone(dt.UTC)
        self._start = self._now
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return (self._now - self._start).total_seconds()

    def time(self) -> float:
        return self._now.timestamp()

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self._now += dt.timedelta(seconds=seconds)

    def set(self, moment: dt.datetime) -> None:
        moment = moment.astimezone(dt.UTC)
        if moment < self._now:
            raise ValueError("a clock does not go back")
        self._now = moment

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)

"""Where retry reads the time: a real clock by default, a fake one in tests.

Deadlines are measured on ``monotonic()``; ``Retry-After`` HTTP dates are compared with
``time()`` (seconds since the epoch). A ``FakeClock`` advances only when told to, and its
``sleep`` records each wait and advances the clock, so it can be passed as ``sleep=`` to
any retry form and nothing waits in real time.
"""

from __future__ import annotations

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


class SystemClock:
    """The real clocks of the process."""

    def monotonic(self) -> float:
        return _time.monotonic()

    def time(self) -> float:
        return _time.time()

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
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.epoch + self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(float(seconds))
        self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)

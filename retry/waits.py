"""Wait strategies tenacity can run: exponential backoff with full jitter, and the wait a
server asks for in ``Retry-After``."""

from __future__ import annotations

import math
import random
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import tenacity
from tenacity.wait import wait_base

from retry.clock import SYSTEM_CLOCK
from retry.policy import Wait


class _Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


class wait_full_jitter(wait_base):
    """Exponential backoff with full jitter: after failed attempt n, wait a uniform draw
    from ``[0, min(maximum, initial * 2**(n-1))]``.

    ``rng`` (anything with ``uniform(a, b)``, e.g. ``random.Random(seed)``) makes the
    draws reproducible.
    """

    def __init__(
        self, initial: float = 1.0, maximum: float = 60.0, rng: _Uniform | None = None
    ) -> None:
        if initial <= 0 or maximum < 0:
            raise ValueError("initial must be positive and maximum non-negative")
        self.initial = initial
        self.maximum = maximum
        self.rng: _Uniform = rng if rng is not None else random.Random()

    def window(self, attempt_number: int) -> float:
        """The upper bound of the wait after attempt ``attempt_number`` (1-based)."""
        exponent = min(max(attempt_number - 1, 0), 1000)
        return min(self.maximum, self.initial * 2.0**exponent)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        return self.rng.uniform(0.0, self.window(retry_state.attempt_number))


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, or None if it is malformed.

    The value is either a number of seconds or an HTTP date, compared with ``now``
    (seconds since the epoch); a date in the past means no wait.
    """
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _retry_after_header(outcome: tenacity.Future | None) -> str | None:
    if outcome is None:
        return None
    exc = outcome.exception()
    # A response returned, or one carried by an exception (httpx.HTTPStatusError.response).
    carrier: Any = getattr(exc, "response", None) if exc is not None else outcome.result()
    headers = getattr(carrier, "headers", None)
    if headers is None:
        return None
    value = headers.get("Retry-After")
    if value is None:
        value = headers.get("retry-after")
    return value if isinstance(value, str) else None


def retry_after_seconds(retry_state: tenacity.RetryCallState) -> float | None:
    """The wait the last outcome asks for in its ``Retry-After`` header, if any.

    Dates are measured against the run's clock (``retry_state.clock`` when the run has one).
    """
    value = _retry_after_header(retry_state.outcome)
    if value is None:
        return None
    clock = getattr(retry_state, "clock", SYSTEM_CLOCK)
    return parse_retry_after(value, clock.time())


class wait_retry_after(wait_base):
    """Wait as long as the server's ``Retry-After`` says, else as ``fallback`` says;
    never longer than ``max_wait`` either way."""

    def __init__(self, fallback: Wait, max_wait: float) -> None:
        if max_wait < 0:
            raise ValueError("max_wait cannot be negative")
        self.fallback = fallback
        self.max_wait = max_wait

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        wanted = retry_after_seconds(retry_state)
        if wanted is None:
            wanted = self.fallback(retry_state)
        return min(max(wanted, 0.0), self.max_wait)

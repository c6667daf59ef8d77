"""Waiting on the scheduler's clock until the next job or a stop (the clocks themselves
are ``retry.clock``'s: the system clock, and a ``VirtualClock`` that tests drive)."""

from __future__ import annotations

import asyncio

from retry.clock import SleepingClock


async def sleep_or_stop(clock: SleepingClock, seconds: float, stop: asyncio.Event) -> bool:
    """Sleep ``seconds`` on ``clock`` unless ``stop`` is set first; True when stopped."""
    if stop.is_set():
        return True
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, stopper):
            task.cancel()
        await asyncio.gather(sleeper, stopper, return_exceptions=True)
    return stop.is_set()

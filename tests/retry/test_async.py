"""``AsyncRetry`` and ``@retry`` on coroutine functions: same numbers, plus cancellation."""

import asyncio
import time

import pytest

from retry import AsyncRetry, FakeClock, GaveUp, Policy, retry


class Flaky(Exception):
    pass


async def run_script(script: str, loop: AsyncRetry):
    seen = []
    async for attempt in loop:
        with attempt:
            seen.append(attempt.number)
            await asyncio.sleep(0)
            if script[attempt.number - 1] == "F":
                raise Flaky(attempt.number)
    return attempt, seen


@pytest.mark.parametrize(
    ("script", "allright", "attempts", "sleeps"),
    [("FFS", True, 3, 2), ("FFFFF", False, 5, 4), ("S", True, 1, 0)],
)
async def test_async_loop_numbers(script, allright, attempts, sleeps):
    clock = FakeClock()
    attempt, seen = await run_script(
        script, AsyncRetry(5, sleep=clock.asleep, clock=clock, raise_on_give_up=False)
    )
    assert (attempt.allright, attempt.attempts) == (allright, attempts)
    assert seen == list(range(1, attempts + 1))
    assert clock.sleeps == [2.0] * sleeps


async def test_async_loop_accepts_a_plain_sleep_and_raises_on_give_up():
    clock = FakeClock()
    with pytest.raises(GaveUp) as info:
        await run_script("FFF", AsyncRetry(3, wait=0.5, sleep=clock.sleep, clock=clock))
    assert isinstance(info.value.__cause__, Flaky)
    assert info.value.attempts == 3
    assert clock.sleeps == [0.5, 0.5]


async def test_async_decorator_success_after_failures():
    clock = FakeClock()
    calls = []

    @retry(max_tries=4, wait=1.5, sleep=clock.asleep, clock=clock)
    async def fetch(x):
        calls.append(x)
        if len(calls) < 3:
            raise Flaky(len(calls))
        return x * 2

    assert asyncio.iscoroutinefunction(fetch)
    assert await fetch(21) == 42
    assert calls == [21, 21, 21]
    assert clock.sleeps == [1.5, 1.5]


async def test_async_decorator_gives_up_without_a_last_sleep():
    clock = FakeClock()

    @retry(3, sleep=clock.asleep)
    async def always_fails():
        raise Flaky()

    with pytest.raises(GaveUp) as info:
        await always_fails()
    assert info.value.attempts == 3
    assert clock.sleeps == [2.0, 2.0]


async def test_async_hooks_may_be_coroutines_and_run_in_order():
    clock = FakeClock()
    events = []

    async def log(state):
        await asyncio.sleep(0)
        events.append(("sleep", state.attempt_number))

    def count(state):
        events.append(("count", state.attempt_number))

    async def gave_up(state):
        events.append(("gave_up", state.attempt_number))

    policy = Policy(max_tries=3, before_sleep=[log, count], on_give_up=gave_up)
    await run_script("FFF", AsyncRetry(policy, sleep=clock.sleep, raise_on_give_up=False))
    assert events == [("sleep", 1), ("count", 1), ("sleep", 2), ("count", 2), ("gave_up", 3)]


async def test_cancelling_a_loop_sleeping_between_attempts_is_prompt():
    started = asyncio.Event()
    attempts = []

    async def work():
        async for attempt in AsyncRetry(5, wait=60.0):  # the real asyncio.sleep
            with attempt:
                attempts.append(attempt.number)
                started.set()
                raise Flaky()

    task = asyncio.create_task(work())
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.01)  # now inside the 60 s sleep
    t0 = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - t0 < 1.0
    assert attempts == [1]


async def test_cancelling_a_decorated_function_sleeping_between_attempts_is_prompt():
    started = asyncio.Event()

    @retry(5, wait=60.0)
    async def work():
        started.set()
        raise Flaky()

    task = asyncio.create_task(work())
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.01)
    t0 = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - t0 < 1.0


async def test_cancelled_error_in_the_body_is_never_retried():
    clock = FakeClock()
    seen = []
    with pytest.raises(asyncio.CancelledError):
        async for attempt in AsyncRetry(5, retry_on=BaseException, sleep=clock.sleep):
            with attempt:
                seen.append(attempt.number)
                raise asyncio.CancelledError()
    assert seen == [1]
    assert clock.sleeps == []


async def test_keyboard_interrupt_in_async_decorated_function_propagates_at_once():
    clock = FakeClock()
    calls = []

    @retry(5, retry_on=BaseException, sleep=clock.sleep)
    async def interrupted():
        calls.append(1)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await interrupted()
    assert calls == [1]
    assert clock.sleeps == []


async def test_async_deadline_on_the_fake_clock():
    clock = FakeClock()
    with pytest.raises(GaveUp):
        async for attempt in AsyncRetry(
            max_tries=None, deadline=5.0, wait=2.0, sleep=clock.asleep, clock=clock
        ):
            with attempt:
                raise Flaky()
    # failures at 0, 2, 4; sleeping 2 more from 4 would reach the deadline.
    assert clock.sleeps == [2.0, 2.0]
    assert attempt.attempts == 3


def test_async_retry_refuses_plain_for():
    with pytest.raises(TypeError, match="async for"):
        for _ in AsyncRetry(3):
            pass

"""Policies, the shared options, and the wait strategies."""

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import tenacity

from retry import (
    FakeClock,
    Policy,
    Retry,
    parse_retry_after,
    stop_after_delay,
    wait_exponential,
    wait_full_jitter,
    wait_retry_after,
)


def state(attempt_number: int, outcome=None, clock=None) -> tenacity.RetryCallState:
    rs = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
    rs.attempt_number = attempt_number
    if clock is not None:
        rs.clock = clock
    if outcome is not None:
        if isinstance(outcome, BaseException):
            rs.set_exception((type(outcome), outcome, None))
        else:
            rs.set_result(outcome)
    return rs


def test_default_policy_is_five_tries_two_seconds_any_exception():
    p = Policy()
    assert p.max_tries == 5
    assert p.wait(state(1)) == 2.0
    assert p.should_retry_exception(ValueError())
    assert not p.should_retry_exception(KeyboardInterrupt())
    assert not p.should_retry_result(None)


def test_policy_is_frozen_and_replace_normalises():
    p = Policy()
    with pytest.raises(AttributeError):
        p.max_tries = 3  # type: ignore[misc]  # changing a frozen policy is what is tested
    hook = print
    q = p.replace(max_tries=3, wait=0.25, before_sleep=hook)
    assert (q.max_tries, q.wait(state(1)), q.before_sleep) == (3, 0.25, (hook,))
    assert p.max_tries == 5  # unchanged
    r = q.add_hooks(before_sleep=[repr], on_give_up=str)
    assert r.before_sleep == (hook, repr)
    assert r.on_give_up == (str,)


@pytest.mark.parametrize(
    "kwargs", [{"max_tries": 0}, {"deadline": 0}, {"wait": -1}, {"retry_on": 42}]
)
def test_policy_rejects_nonsense(kwargs):
    with pytest.raises((ValueError, TypeError)):
        Policy(**kwargs)


def test_options_override_the_given_policy_field_by_field():
    base = Policy(max_tries=7, wait=3.0)
    loop = Retry(base, max_tries=2)
    assert loop.policy.max_tries == 2
    assert loop.policy.wait is base.wait
    assert Retry(4).policy.max_tries == 4
    with pytest.raises(TypeError):
        Retry(base, policy=base)
    with pytest.raises(TypeError):
        Retry(3, max_tries=4)
    with pytest.raises(TypeError):
        Retry("five")  # type: ignore[arg-type]  # the wrong type is what is tested


def test_extra_tenacity_stop_is_combined_with_max_tries():
    clock = FakeClock()
    loop = Retry(
        10,
        stop=stop_after_delay(3.0),
        wait=1.0,
        sleep=clock.sleep,
        clock=clock,
        raise_on_give_up=False,
    )
    for attempt in loop:
        with attempt:
            raise ValueError()
    # failures at 0, 1, 2, 3: at 3 s since the start the extra stop fires.
    assert attempt.attempts == 4
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_capped_exponential_backoff():
    clock = FakeClock()
    for attempt in Retry(
        6,
        wait=wait_exponential(multiplier=1, max=5),
        sleep=clock.sleep,
        raise_on_give_up=False,
    ):
        with attempt:
            raise ValueError()
    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_full_jitter_stays_within_its_window():
    wait = wait_full_jitter(initial=0.5, maximum=3.0, rng=random.Random(1))
    assert [wait.window(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    for n in range(1, 7):
        draws = [wait(state(n)) for _ in range(500)]
        assert all(0.0 <= d <= wait.window(n) for d in draws)
        # full jitter spreads over the whole window, not just its top
        assert min(draws) < 0.1 * wait.window(n) and max(draws) > 0.9 * wait.window(n)


def test_full_jitter_is_reproducible_with_a_seed():
    a = wait_full_jitter(rng=random.Random(7))
    b = wait_full_jitter(rng=random.Random(7))
    assert [a(state(n)) for n in range(1, 6)] == [b(state(n)) for n in range(1, 6)]


def test_full_jitter_exact_sleeps_with_a_stub_rng():
    class Top:
        def uniform(self, a, b):
            return b

    clock = FakeClock()
    for attempt in Retry(
        6,
        wait=wait_full_jitter(1.0, 10.0, rng=Top()),
        sleep=clock.sleep,
        raise_on_give_up=False,
    ):
        with attempt:
            raise ValueError()
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_full_jitter_does_not_overflow():
    assert wait_full_jitter(1.0, 30.0).window(100_000) == 30.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-3", None),
        ("soon", None),
        ("nan", None),
        ("", None),
    ],
)
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value, now=0.0) == expected


def test_parse_retry_after_http_date():
    now = datetime(2024, 1, 14, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("Sun, 14 Jan 2024 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sun, 14 Jan 2024 11:59:00 GMT", now) == 0.0  # already past
    assert parse_retry_after("Sunday, 32 Jan 2024", now) is None


class Carrier:
    def __init__(self, headers):
        self.headers = headers


def test_wait_retry_after_reads_results_and_exceptions_and_caps():
    clock = FakeClock()
    wait = wait_retry_after(fallback=tenacity.wait_fixed(7), max_wait=60)
    assert wait(state(1, Carrier({"Retry-After": "12"}), clock)) == 12.0
    assert wait(state(1, Carrier({"retry-after": "12"}), clock)) == 12.0
    assert wait(state(1, Carrier({"Retry-After": "3600"}), clock)) == 60.0
    assert wait(state(1, Carrier({}), clock)) == 7.0
    assert wait(state(1, Carrier({"Retry-After": "garbage"}), clock)) == 7.0
    err = RuntimeError()
    err.response = Carrier({"Retry-After": "4"})  # type: ignore[attr-defined]  # as httpx does
    assert wait(state(1, err, clock)) == 4.0
    assert wait(state(1, ValueError(), clock)) == 7.0
    date = format_datetime(datetime.fromtimestamp(clock.time() + 45, UTC), usegmt=True)
    assert wait(state(1, Carrier({"Retry-After": date}), clock)) == 45.0
    capped_fallback = wait_retry_after(fallback=tenacity.wait_fixed(100), max_wait=9)
    assert capped_fallback(state(1, Carrier({}), clock)) == 9.0

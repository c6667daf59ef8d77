"""The loop form ``for attempt in Retry(...): with attempt:`` in synchronous code."""

import pytest
import tenacity

from retry import FakeClock, GaveUp, Policy, Retry, wait_fixed


class Flaky(Exception):
    pass


def run_script(script: str, retry: Retry) -> tuple[Retry, list[int]]:
    """Run a loop whose attempt i fails if script[i] == 'F'; return the attempts seen."""
    seen: list[int] = []
    for attempt in retry:
        with attempt:
            seen.append(attempt.number)
            if script[attempt.number - 1] == "F":
                raise Flaky(attempt.number)
    return attempt, seen


@pytest.mark.parametrize(
    ("max_tries", "script", "allright", "attempts", "sleeps"),
    [
        (5, "FFS", True, 3, 2),
        (5, "FFFFF", False, 5, 4),
        (5, "S", True, 1, 0),
        (3, "FFF", False, 3, 2),
    ],
)
def test_article_numbers(max_tries, script, allright, attempts, sleeps):
    clock = FakeClock()
    attempt, seen = run_script(
        script, Retry(max_tries, sleep=clock.sleep, clock=clock, raise_on_give_up=False)
    )
    assert attempt.allright is allright
    assert attempt.attempts == attempts
    assert seen == list(range(1, attempts + 1))
    assert clock.sleeps == [2.0] * sleeps  # the default wait is the article's 2 s
    assert attempt.slept == 2.0 * sleeps
    assert (attempt.exception is None) is allright


def test_outcome_is_also_on_the_retry_object():
    clock = FakeClock()
    loop = Retry(3, sleep=clock.sleep, raise_on_give_up=False)
    assert (loop.allright, loop.attempts, loop.exception) == (False, 0, None)
    run_script("FFF", loop)
    assert loop.allright is False
    assert loop.attempts == 3
    assert isinstance(loop.exception, Flaky) and loop.exception.args == (3,)


def test_giving_up_raises_gave_up_chained_from_the_last_exception():
    clock = FakeClock()
    with pytest.raises(GaveUp) as info:
        run_script("FFFFF", Retry(5, sleep=clock.sleep, clock=clock))
    err = info.value
    assert isinstance(err, tenacity.RetryError)
    assert isinstance(err.__cause__, Flaky) and err.__cause__.args == (5,)
    assert err.last_exception is err.__cause__
    assert err.attempts == 5
    assert err.elapsed == 8.0  # four sleeps of 2 s on the fake clock
    assert clock.sleeps == [2.0] * 4  # none after the last failure
    assert "gave up after 5 attempts" in str(err)


def test_each_for_statement_starts_afresh():
    clock = FakeClock()
    loop = Retry(3, sleep=clock.sleep, raise_on_give_up=False)
    run_script("FFF", loop)
    run_script("FS", loop)
    assert loop.allright is True
    assert loop.attempts == 2
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_break_inside_the_block_ends_cleanly():
    clock = FakeClock()
    for attempt in Retry(5, sleep=clock.sleep):
        with attempt:
            break
    assert attempt.allright is True
    assert attempt.attempts == 1
    assert clock.sleeps == []


def test_exceptions_outside_retry_on_propagate_without_retry():
    clock = FakeClock()
    seen = []
    with pytest.raises(KeyError):
        for attempt in Retry(5, retry_on=Flaky, sleep=clock.sleep):
            with attempt:
                seen.append(attempt.number)
                raise KeyError("not retried")
    assert seen == [1]
    assert clock.sleeps == []


def test_retry_on_accepts_a_predicate():
    clock = FakeClock()
    seen = []
    with pytest.raises(Flaky):
        for attempt in Retry(5, retry_on=lambda e: e.args[0] < 3, sleep=clock.sleep):
            with attempt:
                seen.append(attempt.number)
                raise Flaky(attempt.number)
    assert seen == [1, 2, 3]
    assert clock.sleeps == [2.0, 2.0]


@pytest.mark.parametrize("fatal", [KeyboardInterrupt, SystemExit])
def test_fatal_exceptions_propagate_at_once_even_if_listed(fatal):
    clock = FakeClock()
    gave_up = []
    seen = []
    with pytest.raises(fatal):
        for attempt in Retry(
            5, retry_on=BaseException, sleep=clock.sleep, on_give_up=gave_up.append
        ):
            with attempt:
                seen.append(attempt.number)
                raise fatal()
    assert seen == [1]
    assert clock.sleeps == []
    assert gave_up == []


def test_deadline_stops_before_a_sleep_that_would_cross_it():
    clock = FakeClock()
    seen = []
    with pytest.raises(GaveUp) as info:
        for attempt in Retry(
            max_tries=None, deadline=10.0, wait=3.0, sleep=clock.sleep, clock=clock
        ):
            with attempt:
                seen.append(clock.monotonic())
                clock.advance(1.0)  # each attempt takes one second
                raise Flaky()
    # attempts start at 0, 4, 8; after the third, 9 + 3 would pass the deadline.
    assert seen == [0.0, 4.0, 8.0]
    assert clock.sleeps == [3.0, 3.0]
    assert info.value.attempts == 3
    assert clock.monotonic() == 9.0


def test_deadline_and_max_tries_combine_first_wins():
    clock = FakeClock()
    loop = Retry(
        2, deadline=100.0, wait=1.0, sleep=clock.sleep, clock=clock, raise_on_give_up=False
    )
    run_script("FFFF", loop)
    assert loop.attempts == 2
    assert clock.sleeps == [1.0]


def test_retry_on_result_in_the_loop():
    clock = FakeClock()
    values = iter([None, None, 42])
    for attempt in Retry(5, retry_on_result=lambda r: r is None, sleep=clock.sleep):
        with attempt:
            attempt.result = next(values)
    assert attempt.allright is True
    assert attempt.attempts == 3
    assert attempt.result == 42
    assert clock.sleeps == [2.0, 2.0]


def test_retry_on_result_gives_up_with_the_last_result():
    clock = FakeClock()
    with pytest.raises(GaveUp) as info:
        for attempt in Retry(2, retry_on_result=lambda r: r == "busy", sleep=clock.sleep):
            with attempt:
                attempt.result = "busy"
    assert info.value.last_result == "busy"
    assert info.value.last_exception is None
    assert info.value.__cause__ is None
    assert "last result 'busy'" in str(info.value)


def test_hooks_are_called_in_order():
    clock = FakeClock()
    events: list[tuple] = []

    def log(state):
        events.append(("log", state.attempt_number, state.upcoming_sleep, clock.monotonic()))

    def count(state):
        events.append(("count", state.attempt_number))

    def gave_up(state):
        events.append(("gave_up", state.attempt_number, repr(state.outcome.exception())))

    policy = Policy(max_tries=3, wait=wait_fixed(5), before_sleep=(log, count))
    policy = policy.add_hooks(on_give_up=gave_up)
    run_script("FFF", Retry(policy, sleep=clock.sleep, clock=clock, raise_on_give_up=False))
    assert events == [
        ("log", 1, 5.0, 0.0),
        ("count", 1),
        ("log", 2, 5.0, 5.0),
        ("count", 2),
        ("gave_up", 3, "Flaky(3)"),
    ]


def test_tenacity_hooks_work_as_they_are(caplog):
    import logging

    logger = logging.getLogger("coolpapers.test.retry")
    clock = FakeClock()
    with caplog.at_level(logging.INFO, logger=logger.name):
        run_script(
            "FS",
            Retry(
                3, before_sleep=tenacity.before_sleep_log(logger, logging.INFO), sleep=clock.sleep
            ),
        )
    assert len(caplog.records) == 1
    assert "Flaky" in caplog.records[0].getMessage()


def test_a_skipped_block_is_an_error_not_an_endless_loop():
    with pytest.raises(RuntimeError, match="with attempt"):
        for _attempt in Retry(3, sleep=lambda s: None):
            pass


def test_async_sleep_is_refused_in_sync_code():
    async def asleep(seconds):
        return None

    with pytest.raises(TypeError, match="sleep"):
        run_script("FS", Retry(3, sleep=asleep))

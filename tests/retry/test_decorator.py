"""``@retry`` on plain functions."""

import pytest

from retry import FakeClock, GaveUp, Policy, retry


class Flaky(Exception):
    pass


def scripted(script: str):
    """A function whose call i fails if script[i] == 'F', else returns i."""
    calls = []

    def fn():
        calls.append(len(calls) + 1)
        if script[len(calls) - 1] == "F":
            raise Flaky(len(calls))
        return len(calls)

    return fn, calls


def test_success_after_two_failures():
    clock = FakeClock()
    fn, calls = scripted("FFS")
    assert retry(5, sleep=clock.sleep)(fn)() == 3
    assert calls == [1, 2, 3]
    assert clock.sleeps == [2.0, 2.0]


def test_five_failures_five_attempts_four_sleeps():
    clock = FakeClock()
    fn, calls = scripted("FFFFF")
    with pytest.raises(GaveUp) as info:
        retry(5, sleep=clock.sleep)(fn)()
    assert calls == [1, 2, 3, 4, 5]
    assert clock.sleeps == [2.0] * 4
    assert info.value.__cause__.args == (5,)


def test_quiet_give_up_reraises_the_last_exception_itself():
    clock = FakeClock()
    fn, calls = scripted("FFF")
    with pytest.raises(Flaky) as info:
        retry(3, sleep=clock.sleep, raise_on_give_up=False)(fn)()
    assert info.value.args == (3,)
    assert calls == [1, 2, 3]
    assert clock.sleeps == [2.0, 2.0]


def test_quiet_give_up_returns_the_last_result():
    clock = FakeClock()
    results = iter(["busy", "busy", "busy"])

    @retry(3, retry_on_result=lambda r: r == "busy", sleep=clock.sleep, raise_on_give_up=False)
    def poll():
        return next(results)

    assert poll() == "busy"
    assert clock.sleeps == [2.0, 2.0]


def test_bare_decorator_and_empty_call_use_the_default_policy(monkeypatch):
    slept = []
    monkeypatch.setattr("time.sleep", slept.append)
    fn, _ = scripted("FS")
    assert retry(fn)() == 2
    fn2, _ = scripted("FS")
    assert retry()(fn2)() == 2
    assert slept == [2.0, 2.0]


def test_wraps_preserves_name_and_exposes_the_policy():
    policy = Policy(max_tries=2)

    @retry(policy)
    def named(a, b=1):
        """Doc."""
        return a + b

    assert named.__name__ == "named"
    assert named.__doc__ == "Doc."
    assert named.policy is policy
    assert named(1, b=2) == 3


def test_decorated_method_binds_self():
    clock = FakeClock()

    class Client:
        def __init__(self):
            self.calls = 0

        @retry(3, sleep=clock.sleep)
        def get(self):
            self.calls += 1
            if self.calls == 1:
                raise Flaky()
            return self.calls

    assert Client().get() == 2


def test_each_call_is_a_fresh_run():
    clock = FakeClock()
    fn, calls = scripted("FSFS")
    wrapped = retry(2, sleep=clock.sleep)(fn)
    assert wrapped() == 2
    assert wrapped() == 4
    assert calls == [1, 2, 3, 4]
    assert clock.sleeps == [2.0, 2.0]


def test_keyboard_interrupt_is_not_retried():
    clock = FakeClock()
    calls = []

    @retry(5, retry_on=BaseException, sleep=clock.sleep)
    def interrupted():
        calls.append(1)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert calls == [1]
    assert clock.sleeps == []


def test_options_are_checked_at_decoration_time():
    with pytest.raises(TypeError, match="unknown retry option"):
        retry(max_tries=3, tries=4)
    with pytest.raises(ValueError, match="max_tries"):
        retry(0)
    with pytest.raises(TypeError):
        retry(lambda: None, max_tries=3)

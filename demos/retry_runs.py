"""Flaky calls through the retry loop, against the exact expectations (kexue.fm/archives/9938).

The block ``for attempt in Retry(tries): with attempt: call()`` runs until a call succeeds or the
tries run out, sleeping only between attempts. With independent failures of probability p:
success rate 1 - p^T, E[attempts] = (1 - p^T) / (1 - p), E[sleeps] = E[attempts] - 1. The
article's intermediate "struggle" form (sleep inside ``__exit__``) also sleeps after the last
failure, and a form that raises on giving up does so in p^T of the runs.

Every run goes through a retry loop with a fake clock whose ``sleep`` only records. demos imports
neither: the caller passes them as ``forms=RetryForms(loop=Retry, clock=FakeClock,
gave_up=GaveUp)`` (the site binds the project's ``retry`` objects). A run's outcome depends only
on its script of call outcomes up to the first success, so each distinct script is run once
through the loop and counted with its multiplicity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

import numpy as np

from demos import params
from demos.blas import single_blas_thread
from demos.errors import DemoError

TRIES_RANGE = (1, 20)
RUNS_RANGE = (1, 200_000)
SLEEP_RANGE = (0.0, 60.0)
TIMELINE_RUNS = 8
MAX_SCRIPT = 20


class FakeClock(Protocol):
    """A clock that stands still until ``sleep`` moves it, listing every wait in ``sleeps``."""

    sleeps: list[float]

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RetryLoop(Protocol):
    """``for attempt in loop: with attempt: ...``, and what the run came to afterwards."""

    @property
    def allright(self) -> bool: ...

    @property
    def attempts(self) -> int: ...

    @property
    def exception(self) -> BaseException | None: ...

    def __iter__(self) -> Iterator[AbstractContextManager[object]]: ...


class LoopFactory(Protocol):
    def __call__(
        self,
        tries: int,
        /,
        *,
        wait: float,
        sleep: Callable[[float], None],
        clock: FakeClock,
        raise_on_give_up: bool,
    ) -> RetryLoop: ...


@dataclass(frozen=True)
class RetryForms:
    """What the demo runs: the loop, the fake clock and the exception raised on giving up."""

    loop: LoopFactory
    clock: Callable[[], FakeClock]
    gave_up: type[BaseException]


class FlakyCallError(Exception):
    """The failure of a simulated call."""


@dataclass(frozen=True)
class Event:
    """One step of a run on the fake clock: an attempt (ok or not) or a sleep."""

    kind: str
    at: float
    ok: bool | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class ScriptRun:
    """What one pass of a retry form did with a script of call outcomes."""

    script: str
    allright: bool
    attempts: int
    sleeps: int
    slept: float
    raised: bool
    exception: str | None
    events: list[Event]


@dataclass(frozen=True)
class RetryResult:
    p_fail: float
    tries: int
    runs: int
    seed: int
    sleep: float
    success_rate: float
    mean_attempts: float
    mean_sleeps: float
    mean_slept: float
    raised_rate: float
    struggle_mean_sleeps: float
    success_rate_exact: float
    mean_attempts_exact: float
    mean_sleeps_exact: float
    raised_rate_exact: float
    struggle_mean_sleeps_exact: float
    attempts_histogram: list[int]
    attempts_distribution_exact: list[float]
    timelines: list[ScriptRun]


@single_blas_thread
def retry_runs(
    p_fail: object = 0.5,
    tries: object = 5,
    runs: object = 10_000,
    seed: object = 0,
    sleep: object = 2.0,
    *,
    forms: RetryForms | None = None,
) -> RetryResult:
    """`runs` simulated blocks whose calls fail independently with probability `p_fail`."""
    forms = _required(forms)
    p = params.real("p_fail", p_fail, 0.0, 1.0)
    tries = params.integer("tries", tries, *TRIES_RANGE)
    runs = params.integer("runs", runs, *RUNS_RANGE)
    seed = params.seed(seed)
    wait = params.real("sleep", sleep, *SLEEP_RANGE)

    succeeded = np.random.default_rng(seed).random((runs, tries)) >= p
    leading = np.where(succeeded.any(axis=1), succeeded.argmax(axis=1), tries)
    by_failures = np.bincount(leading, minlength=tries + 1)
    scripts = {f: _script_of(f, tries) for f in range(tries + 1) if by_failures[f]}
    quiet = {f: run_script(s, tries, wait, forms) for f, s in scripts.items()}
    raising = {
        f: run_script(s, tries, wait, forms, raise_on_give_up=True) for f, s in scripts.items()
    }
    struggle = {f: run_struggle(s, tries, wait, forms) for f, s in scripts.items()}

    def mean(by_script: dict[int, ScriptRun], field: str) -> float:
        total = sum(float(getattr(r, field)) * int(by_failures[f]) for f, r in by_script.items())
        return total / runs

    histogram = [0] * tries
    for f, result in quiet.items():
        histogram[result.attempts - 1] += int(by_failures[f])
    exact = exact_values(p, tries)
    return RetryResult(
        p_fail=p,
        tries=tries,
        runs=runs,
        seed=seed,
        sleep=wait,
        success_rate=mean(quiet, "allright"),
        mean_attempts=mean(quiet, "attempts"),
        mean_sleeps=mean(quiet, "sleeps"),
        mean_slept=mean(quiet, "slept"),
        raised_rate=mean(raising, "raised"),
        struggle_mean_sleeps=mean(struggle, "sleeps"),
        success_rate_exact=exact["success_rate"],
        mean_attempts_exact=exact["mean_attempts"],
        mean_sleeps_exact=exact["mean_sleeps"],
        raised_rate_exact=exact["raised_rate"],
        struggle_mean_sleeps_exact=exact["struggle_mean_sleeps"],
        attempts_histogram=histogram,
        attempts_distribution_exact=attempts_distribution(p, tries),
        timelines=[quiet[int(f)] for f in leading[:TIMELINE_RUNS]],
    )


def retry_script(
    script: object = "F,F,S",
    tries: object = 5,
    sleep: object = 2.0,
    *,
    forms: RetryForms | None = None,
) -> ScriptRun:
    """One block run through the retry loop with call outcomes given as text like "F,F,S"."""
    return _scripted(run_script, script, tries, sleep, forms)


def struggle_script(
    script: object = "F,F,S",
    tries: object = 5,
    sleep: object = 2.0,
    *,
    forms: RetryForms | None = None,
) -> ScriptRun:
    """The same with the article's "struggle" form, which sleeps in ``__exit__``."""
    return _scripted(run_struggle, script, tries, sleep, forms)


def _scripted(
    run: Callable[..., ScriptRun],
    script: object,
    tries: object,
    sleep: object,
    forms: RetryForms | None,
) -> ScriptRun:
    """``run`` over a script and parameters checked as the demo's forms check them."""
    return run(
        parse_script(script),
        params.integer("tries", tries, *TRIES_RANGE),
        params.real("sleep", sleep, *SLEEP_RANGE),
        _required(forms),
    )


def parse_script(script: object) -> str:
    """ "F,F,S" (or "FFS") -> "FFS"; F a failing call, S a succeeding one."""
    if not isinstance(script, str):
        raise DemoError("script must be text such as F,F,S")
    letters = script.replace(",", "").replace(" ", "").upper()
    if not letters or set(letters) - {"F", "S"} or len(letters) > MAX_SCRIPT:
        raise DemoError(f"script must be 1 to {MAX_SCRIPT} letters F or S, got {script!r}")
    return letters


def exact_values(p: float, tries: int) -> dict[str, float]:
    """Success rate, expected attempts and sleeps of the final form; the struggle form's sleeps
    and the raising form's share of raised runs."""
    give_up = p**tries
    attempts = float(tries) if p == 1 else (1 - give_up) / (1 - p)
    return {
        "success_rate": 1 - give_up,
        "mean_attempts": attempts,
        "mean_sleeps": attempts - 1,
        "struggle_mean_sleeps": attempts - 1 + give_up,
        "raised_rate": give_up,
    }


def attempts_distribution(p: float, tries: int) -> list[float]:
    """P(attempts = k) for k = 1 .. tries: p^{k-1} (1 - p), the last one taking the rest."""
    head = [p ** (k - 1) * (1 - p) for k in range(1, tries)]
    return [*head, p ** (tries - 1)]


def run_script(
    script: str, tries: int, wait: float, forms: RetryForms, *, raise_on_give_up: bool = False
) -> ScriptRun:
    """Run `script` through the retry loop on a fake clock, recording attempts and sleeps."""
    clock = forms.clock()
    events: list[Event] = []
    calls = iter(script)
    raised = False
    sleep = _recording(clock, events)
    loop = forms.loop(tries, wait=wait, sleep=sleep, clock=clock, raise_on_give_up=raise_on_give_up)
    try:
        for attempt in loop:
            with attempt:
                _call(next(calls, "F"), clock, events)
    except forms.gave_up:
        raised = True
    return ScriptRun(
        script=script,
        allright=loop.allright,
        attempts=loop.attempts,
        sleeps=len(clock.sleeps),
        slept=float(sum(clock.sleeps)),
        raised=raised,
        exception=None if loop.exception is None else str(loop.exception),
        events=events,
    )


def run_struggle(script: str, tries: int, wait: float, forms: RetryForms) -> ScriptRun:
    """The article's third form: ``for i in range(tries): with Struggle() as r: ...; break``."""
    clock = forms.clock()
    events: list[Event] = []
    calls = iter(script)
    sleep = _recording(clock, events)
    attempts = 0
    for _ in range(tries):
        attempts += 1
        with _Struggle(wait, sleep) as struggle:
            _call(next(calls, "F"), clock, events)
            break
    return ScriptRun(
        script=script,
        allright=struggle.allright,
        attempts=attempts,
        sleeps=len(clock.sleeps),
        slept=float(sum(clock.sleeps)),
        raised=False,
        exception=struggle.exception,
        events=events,
    )


class _Struggle:
    """Swallows the exception and sleeps in ``__exit__``: also after the last failure."""

    def __init__(self, wait: float, sleep: Callable[[float], None]) -> None:
        self.wait, self.sleep = wait, sleep
        self.allright = False
        self.exception: str | None = None

    def __enter__(self) -> _Struggle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            self.allright = True
            return False
        self.exception = str(exc)
        self.sleep(self.wait)
        return True


def _required(forms: RetryForms | None) -> RetryForms:
    if forms is None:
        raise DemoError("the retry demo needs the retry loop: pass forms=RetryForms(...)")
    return forms


def _script_of(failures: int, tries: int) -> str:
    return "F" * failures + ("S" if failures < tries else "")


def _call(outcome: str, clock: FakeClock, events: list[Event]) -> None:
    ok = outcome == "S"
    events.append(Event(kind="attempt", at=clock.monotonic(), ok=ok))
    if not ok:
        raise FlakyCallError(f"call {sum(e.kind == 'attempt' for e in events)} failed")


def _recording(clock: FakeClock, events: list[Event]) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        events.append(Event(kind="sleep", at=clock.monotonic(), seconds=float(seconds)))
        clock.sleep(seconds)

    return sleep

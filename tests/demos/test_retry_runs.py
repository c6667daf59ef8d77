import dataclasses
import itertools
import json

import pytest

import demos.retry_runs as rr
from demos import inject
from demos.errors import DemoError
from demos.retry_runs import RetryForms, attempts_distribution, exact_values, parse_script
from retry import FakeClock, GaveUp, Retry
from tests.demos.served import FORMS

retry_runs = inject(rr.retry_runs, forms=FORMS)
retry_script = inject(rr.retry_script, forms=FORMS)
struggle_script = inject(rr.struggle_script, forms=FORMS)


@pytest.mark.parametrize(
    ("script", "tries", "allright", "attempts", "sleeps"),
    [
        ("F,F,S", 5, True, 3, 2),
        ("F,F,F,F,F", 5, False, 5, 4),
        ("S", 5, True, 1, 0),
        ("F,F,F", 3, False, 3, 2),
    ],
)
def test_final_form_on_scripted_calls(script, tries, allright, attempts, sleeps):
    run = retry_script(script, tries=tries, sleep=2.0)
    assert (run.allright, run.attempts, run.sleeps) == (allright, attempts, sleeps)
    assert run.slept == 2.0 * sleeps
    assert [e.kind for e in run.events].count("attempt") == attempts
    # Sleeps only ever sit between two attempts.
    kinds = [e.kind for e in run.events]
    assert kinds[0] == "attempt" and kinds[-1] == "attempt"
    assert all(a != b for a, b in itertools.pairwise(kinds))
    assert (run.exception is None) == allright


def test_timeline_runs_on_the_fake_clock():
    run = retry_script("F,F,S", tries=5, sleep=1.5)
    assert [(e.kind, e.at) for e in run.events] == [
        ("attempt", 0.0),
        ("sleep", 0.0),
        ("attempt", 1.5),
        ("sleep", 1.5),
        ("attempt", 3.0),
    ]
    assert [e.ok for e in run.events if e.kind == "attempt"] == [False, False, True]


@pytest.mark.parametrize(("script", "attempts", "sleeps"), [("F,F,F,F,F", 5, 5), ("F,F,S", 3, 2)])
def test_struggle_form_also_sleeps_after_the_last_failure(script, attempts, sleeps):
    run = struggle_script(script, tries=5)
    assert (run.attempts, run.sleeps) == (attempts, sleeps)


def test_monte_carlo_matches_the_exact_values():
    result = retry_runs(p_fail=0.5, tries=5, runs=100_000, seed=0)
    assert result.success_rate_exact == pytest.approx(0.96875)
    assert result.mean_attempts_exact == pytest.approx(1.9375)
    assert result.mean_sleeps_exact == pytest.approx(0.9375)
    assert result.struggle_mean_sleeps_exact == pytest.approx(0.96875)
    assert result.raised_rate_exact == pytest.approx(0.03125)
    assert result.success_rate == pytest.approx(0.96875, abs=0.003)
    assert result.mean_attempts == pytest.approx(1.9375, abs=0.02)
    assert result.mean_sleeps == pytest.approx(0.9375, abs=0.02)
    assert result.struggle_mean_sleeps == pytest.approx(0.96875, abs=0.02)
    assert result.raised_rate == pytest.approx(0.03125, abs=0.003)
    assert result.mean_sleeps == pytest.approx(result.mean_attempts - 1)
    assert result.raised_rate == pytest.approx(1 - result.success_rate)
    assert result.mean_slept == pytest.approx(2.0 * result.mean_sleeps)
    assert sum(result.attempts_histogram) == 100_000
    for count, p in zip(result.attempts_histogram, result.attempts_distribution_exact, strict=True):
        assert count / 100_000 == pytest.approx(p, abs=0.005)


def test_exact_values_at_the_edges():
    assert exact_values(1.0, 3) == {
        "success_rate": 0.0,
        "mean_attempts": 3.0,
        "mean_sleeps": 2.0,
        "struggle_mean_sleeps": 3.0,
        "raised_rate": 1.0,
    }
    assert exact_values(0.0, 4)["mean_attempts"] == 1.0
    assert attempts_distribution(0.5, 3) == [0.5, 0.25, 0.25]
    assert sum(attempts_distribution(0.3, 7)) == pytest.approx(1.0)
    certain = retry_runs(p_fail=1, tries=3, runs=50)
    assert (certain.success_rate, certain.mean_attempts, certain.mean_sleeps) == (0.0, 3.0, 2.0)
    assert certain.raised_rate == 1.0 and certain.struggle_mean_sleeps == 3.0


def test_timelines_show_the_first_runs_and_results_are_reproducible():
    result = retry_runs(p_fail=0.6, tries=4, runs=500, seed=9)
    assert len(result.timelines) == 8
    assert all(1 <= t.attempts <= 4 for t in result.timelines)
    assert retry_runs(p_fail=0.6, tries=4, runs=500, seed=9) == result
    assert retry_runs(p_fail=0.6, tries=4, runs=500, seed=10) != result
    json.dumps(dataclasses.asdict(result), allow_nan=False)


def test_script_text_forms():
    assert parse_script("f, f, s") == "FFS"
    assert parse_script("FFS") == "FFS"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"p_fail": -0.1},
        {"p_fail": 1.5},
        {"tries": 0},
        {"tries": 21},
        {"runs": 0},
        {"runs": 10**7},
        {"seed": -3},
        {"sleep": -1},
        {"sleep": 3600},
    ],
)
def test_bad_parameters_raise_demo_error(kwargs):
    with pytest.raises(DemoError):
        retry_runs(**kwargs)


@pytest.mark.parametrize("script", ["", "FXS", "F" * 21, None])
def test_bad_scripts_raise_demo_error(script):
    with pytest.raises(DemoError):
        retry_script(script)


@pytest.mark.parametrize("function", [rr.retry_runs, rr.retry_script, rr.struggle_script])
def test_without_the_retry_loop_the_demo_refuses(function):
    with pytest.raises(DemoError, match="needs the retry loop"):
        function()


def test_the_injected_forms_are_the_ones_that_run():
    loops, clocks = [], []

    def loop(tries, **options):
        loops.append((tries, options["raise_on_give_up"]))
        return Retry(tries, **options)

    def clock():
        clocks.append(FakeClock())
        return clocks[-1]

    forms = RetryForms(loop=loop, clock=clock, gave_up=GaveUp)
    run = rr.retry_script("F,S", tries=3, sleep=1.0, forms=forms)
    assert loops == [(3, False)] and len(clocks) == 1
    assert clocks[0].sleeps == [1.0] and run.attempts == 2
    assert rr.retry_runs(runs=50, forms=forms) == retry_runs(runs=50)

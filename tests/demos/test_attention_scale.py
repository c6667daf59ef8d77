import math

import numpy as np
import pytest
from scipy import integrate
from scipy.optimize import minimize_scalar

from demos.attention_scale import (
    FIT_GRID,
    attention_scale,
    jacobian_check,
    log_mgf,
    mean_field_objective,
    optimal_alpha,
)
from demos.errors import DemoError


@pytest.mark.parametrize(("n", "expected"), [(512, 2.0084), (4096, 2.4055), (20000, 2.6782)])
def test_normal_alpha_star_and_its_stationarity_condition(n, expected):
    result = attention_scale(n=n, kind="normal")
    alpha = result.alpha_star
    assert alpha == pytest.approx(expected, abs=1e-3)
    assert math.exp(alpha**2) * (1 + 2 * alpha**2) == pytest.approx(n, rel=1e-8)
    assert result.stationarity_residual < 1e-8
    assert result.logit_scale == pytest.approx(alpha / math.sqrt(128))


def test_least_squares_coefficients_over_the_article_grid():
    assert FIT_GRID[0] == 40 and FIT_GRID[-1] == 20000 and len(FIT_GRID) == 500
    normal = attention_scale(kind="normal")
    cosine = attention_scale(kind="cosine", d=128)
    assert normal.coefficient == pytest.approx(0.841, abs=0.005)
    assert cosine.coefficient == pytest.approx(3.49, abs=0.03)
    assert normal.share_in_band == pytest.approx(0.976, abs=0.002)
    assert cosine.share_in_band == pytest.approx(0.966, abs=0.002)
    assert normal.fit_form == "c*sqrt(log n)" and cosine.fit_form == "c*log n"
    assert normal.article_coefficient == 0.84 and cosine.article_coefficient == 3.5
    assert attention_scale(kind="cosine", d=64).article_coefficient is None


@pytest.mark.parametrize(("n", "expected"), [(1000, 26.02), (4096, 29.70), (20000, 33.68)])
def test_cosine_alpha_star_for_d_128(n, expected):
    assert attention_scale(n=n, kind="cosine", d=128).alpha_star == pytest.approx(
        expected, abs=0.05
    )


def test_cosine_alpha_star_for_other_widths():
    assert optimal_alpha(np.array([40.0, 20000.0]), "cosine", 64) == pytest.approx(
        [12.3, 26.4], abs=0.05
    )
    assert optimal_alpha(np.array([40.0, 20000.0]), "cosine", 256) == pytest.approx(
        [23.4, 45.2], abs=0.05
    )


@pytest.mark.parametrize(("n", "d"), [(40, 8), (1000, 128), (20000, 1024)])
def test_root_is_the_maximiser_of_the_mean_field_objective(n, d):
    best = minimize_scalar(
        lambda a: -mean_field_objective(np.array([a]), n, "cosine", d)[0],
        bounds=(0.01, 500),
        method="bounded",
        options={"xatol": 1e-9},
    )
    assert optimal_alpha(np.array([float(n)]), "cosine", d)[0] == pytest.approx(best.x, rel=1e-6)


@pytest.mark.parametrize("alpha", [0.5, 3.0, 30.0, 150.0])
def test_cosine_moment_generating_function_matches_quadrature(alpha):
    d = 16

    def weight(s, a):
        return np.exp(a * (s - 1)) * (1 - s * s) ** ((d - 3) / 2)

    # Relative tolerance only: at large alpha the mass sits in a thin layer below s = 1.
    accurate = {"epsabs": 0, "epsrel": 1e-13, "limit": 500, "points": [0.9, 0.99, 0.999]}
    tilted, _ = integrate.quad(weight, -1, 1, args=(alpha,), **accurate)
    plain, _ = integrate.quad(weight, -1, 1, args=(0.0,), **accurate)
    assert log_mgf(np.array([alpha]), "cosine", d)[0] == pytest.approx(
        math.log(tilted / plain) + alpha, rel=1e-9
    )


def test_l1_norm_of_the_softmax_jacobian_has_the_closed_form():
    check = jacobian_check(n=50, alpha=1.7, seed=0, step=1e-6)
    assert check.abs_error < 1e-6
    assert check.closed_form == pytest.approx(check.finite_difference, abs=1e-6)


def test_result_labels_the_approximation_and_carries_curves():
    result = attention_scale(n=512, kind="normal")
    assert result.approximation == "mean-field"
    assert "approximation" in result.note
    assert len(result.grid_n) == len(result.grid_alpha_star) == len(result.grid_fit) == 500
    curve = result.curve
    assert len(curve.alphas) == len(curve.mean_field) == len(curve.monte_carlo)
    peak = max(v for v in curve.mean_field if v is not None)
    assert peak == pytest.approx(result.objective_at_alpha_star, rel=0.01)
    # The exact objective on sampled scores peaks well after the mean-field maximiser.
    assert curve.monte_carlo_alpha_star > 1.5 * result.alpha_star
    assert attention_scale(n=100000).curve.monte_carlo is None


def test_fixed_seed_is_reproducible():
    assert attention_scale(n=300, seed=3) == attention_scale(n=300, seed=3)
    assert attention_scale(n=300, seed=3).curve != attention_scale(n=300, seed=4).curve


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 1},
        {"n": 10**7},
        {"kind": "uniform"},
        {"d": 2},
        {"d": 4096},
        {"trials": 0},
        {"trials": 1000},
        {"seed": 2**40},
        {"n": "4096.5"},
    ],
)
def test_bad_parameters_raise_demo_error(kwargs):
    with pytest.raises(DemoError):
        attention_scale(**kwargs)

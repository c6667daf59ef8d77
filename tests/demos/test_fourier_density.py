import dataclasses
import json
import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from demos.errors import DemoError
from demos.fourier_density import (
    TARGETS,
    _SeriesObjective,
    autocorrelation,
    fit_series,
    fourier_density,
    modulus_density,
    sample_series,
    sample_target,
    series_cdf,
    series_density,
    smoothness,
)


@pytest.fixture(scope="module")
def random_series():
    rng = np.random.default_rng(1)
    a = rng.standard_normal(9) + 1j * rng.standard_normal(9)
    return a, autocorrelation(a)


@pytest.fixture(scope="module")
def recipe():
    """The reference recipe for N = 4, 8, 16 (gamma = 0) and N = 16, gamma = 1e-3, 1e-2."""
    fits = {n: fourier_density(target="bimodal", terms=n, samples=10000, seed=0) for n in (4, 8)}
    for gamma in (0.0, 1e-3, 1e-2):
        fits[16, gamma] = fourier_density(
            target="bimodal", terms=16, gamma=gamma, samples=10000, seed=0
        )
    return fits


def test_density_is_non_negative_normalised_and_equals_the_modulus_form(random_series):
    a, c = random_series
    grid = np.linspace(-1, 1, 20001)
    fourier = series_density(c, grid)
    assert fourier.min() >= 0
    assert np.trapezoid(fourier, grid) == pytest.approx(1.0, abs=1e-9)
    assert np.max(np.abs(fourier - modulus_density(a, grid))) < 1e-12


def test_cdf_ends_and_matches_the_cumulative_integral(random_series):
    _, c = random_series
    assert series_cdf(c, np.array([-1.0]))[0] == pytest.approx(0.0, abs=1e-12)
    assert series_cdf(c, np.array([1.0]))[0] == pytest.approx(1.0, abs=1e-12)
    grid = np.linspace(-1, 1, 20001)
    density = series_density(c, grid)
    cumulative = np.concatenate([[0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    assert np.max(np.abs(series_cdf(c, grid) - cumulative)) < 1e-7


def test_inverse_cdf_samples_reproduce_the_model_moments(random_series):
    _, c = random_series
    grid = np.linspace(-1, 1, 40001)
    density = series_density(c, grid)
    mean = np.trapezoid(grid * density, grid)
    var = np.trapezoid((grid - mean) ** 2 * density, grid)
    fourth = np.trapezoid((grid - mean) ** 4 * density, grid)
    n = 100_000
    draws = sample_series(c, n, np.random.default_rng(2))
    assert draws.min() >= -1 and draws.max() <= 1
    assert abs(draws.mean() - mean) < 3 * math.sqrt(var / n)
    assert abs(draws.var() - var) < 3 * math.sqrt((fourth - var**2) / n)


def test_recipe_with_sixteen_terms_fits_the_bimodal_target(recipe):
    fit = recipe[16, 0.0]
    assert fit.true_entropy == pytest.approx(1.41884, abs=1e-5)
    assert fit.train_nll == pytest.approx(1.417, abs=0.01)
    assert fit.train_nll < fit.true_entropy + 0.01
    assert fit.kl < 0.01
    assert fit.fbdm.unit_min >= 0
    assert fit.fbdm.parameters == 34


def test_too_few_terms_cannot_fit_the_peaks(recipe):
    assert recipe[8].kl < 0.04
    assert recipe[4].kl > 0.08


def test_smoothness_penalty_trades_likelihood_for_smoothness(recipe):
    fits = [recipe[16, g] for g in (0.0, 1e-3, 1e-2)]
    nll = [f.train_nll for f in fits]
    rough = [f.fbdm.smoothness for f in fits]
    assert nll[0] < nll[1] < nll[2]
    assert rough[0] > rough[1] > rough[2]


def test_gradient_of_the_objective_with_penalty_is_exact():
    rng = np.random.default_rng(0)
    x = np.tanh(rng.standard_normal(300))
    k = np.arange(7)
    weights = np.full(300, 1 / 300)
    objective = _SeriesObjective(
        np.cos(np.pi * np.outer(x, k)), np.sin(np.pi * np.outer(x, k)), weights, 0.0, 0.3
    )
    theta = rng.standard_normal(14)
    numeric = approx_fprime(theta, lambda t: objective(t)[0], 1e-7)
    assert np.max(np.abs(numeric - objective(theta)[1])) < 1e-5


def test_penalty_is_the_integral_of_the_squared_derivative(random_series):
    _, c = random_series
    grid = np.linspace(-1, 1, 200001)
    slope = np.gradient(series_density(c, grid), grid)
    assert smoothness(c) == pytest.approx(np.trapezoid(slope**2, grid), rel=1e-4)


def test_binning_the_samples_barely_moves_the_fit():
    data = sample_target(TARGETS["bimodal"], 10000, np.random.default_rng(0))
    binned = fit_series(data, 8, 0.0, np.random.default_rng(1))
    nearly_raw = fit_series(data, 8, 0.0, np.random.default_rng(1), bins=2**22)
    assert binned.train_nll == pytest.approx(nearly_raw.train_nll, abs=2e-4)


def test_result_has_a_same_size_gradient_mixture_and_plot_data(recipe):
    fit = recipe[16, 0.0]
    assert fit.gmm.method == "gradient" and fit.gmm_em.method == "em"
    assert fit.gmm.parameters <= fit.fbdm.parameters
    assert fit.gmm.components == 11
    assert sum(fit.gmm.weights) == pytest.approx(1.0)
    assert fit.gmm.kl >= 0 and fit.gmm_em.kl >= 0
    grid = np.array(fit.grid)
    for key in ("true_density", "fbdm_density", "gmm_density", "gmm_em_density"):
        curve = np.array(getattr(fit, key))
        assert curve.shape == grid.shape and curve.min() >= 0
        assert np.trapezoid(curve, grid) == pytest.approx(1.0, abs=0.01)
    assert len(fit.histogram) == len(fit.histogram_edges) - 1
    assert np.sum(np.array(fit.histogram) * np.diff(fit.histogram_edges)) == pytest.approx(
        1.0, abs=0.01
    )
    assert len(fit.unit_grid) == len(fit.unit_density)
    assert len(fit.fbdm.coefficient_magnitudes) == 17
    assert fit.fbdm.coefficient_magnitudes[0] == pytest.approx(1.0)
    json.dumps(dataclasses.asdict(fit), allow_nan=False)


def test_mixed_target_reference_value():
    fit = fourier_density(target="mixed", terms=16, samples=10000, seed=0)
    assert fit.true_entropy == pytest.approx(1.4800, abs=1e-3)
    assert fit.kl == pytest.approx(0.032, abs=0.01)


def test_fixed_seed_is_reproducible():
    first = fourier_density(target="trimodal", terms=6, samples=2000, seed=4)
    assert fourier_density(target="trimodal", terms=6, samples=2000, seed=4) == first
    assert fourier_density(target="trimodal", terms=6, samples=2000, seed=5).kl != first.kl


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target": "cauchy"},
        {"terms": 1},
        {"terms": 64},
        {"gamma": -0.1},
        {"gamma": 5},
        {"samples": 10},
        {"samples": 10**6},
        {"seed": "x"},
    ],
)
def test_bad_parameters_raise_demo_error(kwargs):
    with pytest.raises(DemoError):
        fourier_density(**kwargs)

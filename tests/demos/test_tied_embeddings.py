import math

import pytest

from demos.errors import DemoError
from demos.tied_embeddings import (
    SCHEMES,
    embedding_moments,
    refined_formula,
    resolve_sigma,
    tied_embeddings,
)

LOG_N = math.log(4096)


@pytest.fixture(scope="module")
def tied_default():
    return tied_embeddings(n=4096, d=256, sigma="inv_sqrt_d", scheme="tied", batch=1024, seed=0)


def test_tied_loss_at_inverse_sqrt_d_matches_the_article(tied_default):
    assert tied_default.sigma == pytest.approx(0.0625)
    assert tied_default.loss == pytest.approx(16.00, abs=0.15)
    assert tied_default.formula == pytest.approx(16.001, abs=1e-3)
    assert tied_default.log_n == pytest.approx(LOG_N)


def test_log_n_over_d_init_brings_the_loss_near_log_n():
    result = tied_embeddings(sigma="log_n_over_d", scheme="tied")
    assert result.sigma == pytest.approx(LOG_N / 256)
    assert result.loss == pytest.approx(9.08, abs=0.10)
    assert result.loss > LOG_N
    assert result.formula == pytest.approx(9.011, abs=1e-3)
    assert result.formula_refined == pytest.approx(9.081, abs=1e-3)


@pytest.mark.parametrize("scheme", ["untied", "tied-orthogonal", "tied-swap", "tied-shuffle"])
def test_removing_the_self_term_gives_about_log_n(scheme):
    result = tied_embeddings(scheme=scheme)
    assert result.loss == pytest.approx(8.82, abs=0.15)
    assert abs(result.loss - LOG_N) < 0.7
    assert result.formula == pytest.approx(LOG_N)
    assert result.formula_refined == pytest.approx(LOG_N + 0.5)


def test_moments_of_gaussian_rows():
    moments = embedding_moments(d=256, sigma="inv_sqrt_d", samples=20000, seed=0)
    assert moments.mean_sq_norm == pytest.approx(1.0, abs=0.01)
    assert moments.var_sq_norm == pytest.approx(2 / 256, rel=0.06)
    assert moments.var_dot == pytest.approx(1 / 256, rel=0.06)
    assert moments.expected_var_sq_norm == pytest.approx(2 / 256)
    assert moments.expected_var_dot == pytest.approx(1 / 256)


def test_result_carries_moments_and_a_sweep_for_every_scheme(tied_default):
    sweep = tied_default.sweep
    assert set(sweep.losses) == set(SCHEMES)
    assert all(len(curve) == len(sweep.sigmas) for curve in sweep.losses.values())
    assert sweep.sigmas[0] == pytest.approx(1e-3) and sweep.sigmas[-1] == pytest.approx(1.0)
    # At large sigma the self term dominates and the article's curve is close to exact.
    curves = (sweep.sigmas, sweep.losses["tied"], sweep.article_curve)
    for sigma, loss, article in zip(*curves, strict=True):
        if sigma >= 0.1:
            assert loss == pytest.approx(article, rel=0.05)
    # At tiny sigma every scheme sits near log n.
    for curve in sweep.losses.values():
        assert curve[0] == pytest.approx(LOG_N, abs=0.05)
    assert tied_default.moments.mean_sq_norm == pytest.approx(1.0, abs=0.02)


def test_fixed_seed_is_reproducible_and_seeds_differ():
    first = tied_embeddings(n=512, d=64, batch=64, seed=7)
    assert tied_embeddings(n=512, d=64, batch=64, seed=7) == first
    assert tied_embeddings(n=512, d=64, batch=64, seed=8).loss != first.loss


def test_sigma_accepts_rules_numbers_and_numeric_text():
    assert resolve_sigma("inv_sqrt_d", 4096, 256) == (0.0625, "inv_sqrt_d")
    assert resolve_sigma(" LOG_N_OVER_D ", 4096, 256)[1] == "log_n_over_d"
    assert resolve_sigma("0.02", 4096, 256) == (0.02, "custom")
    result = tied_embeddings(n=256, d=32, batch=16, sigma=0.05, scheme="untied")
    assert result.sigma_rule == "custom"
    assert result.formula_refined == pytest.approx(refined_formula("untied", 256, 32, 0.05))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 100},
        {"n": 100000},
        {"d": 33},
        {"d": 1024},
        {"batch": 0},
        {"batch": 10**6},
        {"n": 8192, "d": 512, "batch": 1024},
        {"scheme": "shared"},
        {"sigma": "huge"},
        {"sigma": -1},
        {"sigma": float("nan")},
        {"seed": -1},
        {"n": "many"},
        {"n": True},
    ],
)
def test_bad_parameters_raise_demo_error(kwargs):
    with pytest.raises(DemoError):
        tied_embeddings(**kwargs)

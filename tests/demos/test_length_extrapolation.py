import math

import numpy as np
import pytest

from demos.errors import DemoError
from demos.length_extrapolation import (
    METHODS,
    covered_distances,
    dynamic_scale,
    length_extrapolation,
    relative_position,
    relative_positions,
    rope_frequencies,
)

ANCHOR = {"d": 128, "base": 10000, "train_len": 4096, "test_len": 16384}


@pytest.fixture(scope="module")
def yarn():
    return length_extrapolation(**ANCHOR, method="yarn", tau=32)


def test_ntk_aware_kappa_and_frequencies():
    result = length_extrapolation(**ANCHOR, method="ntk-aware")
    assert result.ntk_kappa == pytest.approx(4.088994, abs=1e-6)
    assert result.ntk_base == pytest.approx(40889.94, abs=0.01)
    assert result.theta_ratio[-1] == pytest.approx(1 / 4, abs=1e-12)
    assert result.theta_ratio[0] == 1.0


def test_yarn_counts_and_lambda(yarn):
    counts = yarn.yarn_counts
    assert (counts.unchanged, counts.ramp, counts.interpolated) == (21, 25, 18)
    assert yarn.yarn_lambda == pytest.approx(1.296477, abs=1e-6)
    assert yarn.yarn_lambda_approx == pytest.approx(1.277259, abs=1e-6)
    assert yarn.logit_scale == yarn.yarn_lambda
    assert yarn.log_n_ratio == pytest.approx(14 / 12)
    assert yarn.turns[0] == pytest.approx(651.90, abs=0.01)
    assert yarn.turns[63] == pytest.approx(0.0753, abs=1e-4)
    # Pairs that turned more than tau times keep their frequency; the slowest are divided by s.
    assert yarn.theta_ratio[:21] == [1.0] * 21
    assert yarn.theta_ratio[-18:] == pytest.approx([0.25] * 18)


def test_relative_position_rows_for_window_methods():
    assert relative_positions("rerope", 8, window=3)[7] == [3, 3, 3, 3, 3, 2, 1, 0]
    assert relative_positions("leaky-rerope", 8, window=3, leak=2)[7] == [
        5,
        4.5,
        4,
        3.5,
        3,
        2,
        1,
        0,
    ]
    assert relative_positions("pi", 8, scale=4)[7] == [1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0]
    assert relative_positions("direct", 4)[1] == [1, 0, None, None]


@pytest.mark.parametrize("length", [4, 64])
def test_rerope_never_exceeds_its_window(length):
    rows = relative_positions("rerope", length, window=3)
    assert max(v for row in rows for v in row if v is not None) == min(3, length - 1)
    assert relative_position("rerope", np.arange(10**6, dtype=float), 3, 1.0).max() == 3


@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        ("direct", {}, 0.210920),
        ("ntk-aware", {}, 0.046447),
        ("pi", {}, 0.0),
        ("yarn", {"tau": 32}, 0.0),
        ("rerope", {"window": 1024}, 0.0),
        ("leaky-rerope", {"window": 1024, "leak": 8}, 0.0),
        ("log-n", {}, 0.210920),
    ],
)
def test_uncovered_fraction_per_method(method, extra, expected):
    result = length_extrapolation(**ANCHOR, method=method, **extra)
    assert result.uncovered_fraction == pytest.approx(expected, abs=1e-6)
    assert result.uncovered_by_method[method] == result.uncovered_fraction


def test_direct_uncovered_cells_are_the_slow_pairs_beyond_the_training_length():
    result = length_extrapolation(**ANCHOR, method="direct")
    assert result.uncovered_fraction == pytest.approx(18 * 12287 / (64 * 16384), abs=1e-15)
    assert sum(1 for c in result.coverage if c < 1) == 18
    assert result.coverage[-1] == pytest.approx(4097 / 16384)


def test_coverage_counts_agree_with_a_brute_force_scan():
    theta = rope_frequencies(32, 10000.0)
    train, test = 300, 1500
    rel = relative_position("leaky-rerope", np.arange(test, dtype=float), 100, 3.0)
    theta_new = theta * np.linspace(1.0, 0.3, len(theta))
    angles = rel[None, :] * theta_new[:, None]
    brute = (angles <= train * theta[:, None] * (1 + 1e-12)) | (
        theta[:, None] * train >= 2 * math.pi
    )
    assert covered_distances(theta, theta_new, rel, train).tolist() == brute.sum(axis=1).tolist()


def test_plot_data_shapes(yarn):
    half = ANCHOR["d"] // 2
    for key in ("dims", "theta", "theta_new", "theta_ratio", "turns", "yarn_gamma", "coverage"):
        assert len(getattr(yarn, key)) == half
    assert len(yarn.coverage_map) == half
    assert all(len(row) == len(yarn.coverage_bin_edges) - 1 for row in yarn.coverage_map)
    assert yarn.coverage_bin_edges[0] == 0 and yarn.coverage_bin_edges[-1] == 16384
    assert len(yarn.relative_map) == 16
    assert len(yarn.logit_positions) == len(yarn.logit_scales)
    assert yarn.logit_scales[-1] == pytest.approx(14 / 12)
    assert min(yarn.logit_scales) == 1.0


def test_local_resolution_is_only_lost_by_interpolation():
    assert length_extrapolation(**ANCHOR, method="pi").local_resolution == pytest.approx(0.25)
    for method in ("direct", "ntk-aware", "yarn", "rerope", "leaky-rerope"):
        assert length_extrapolation(**ANCHOR, method=method).local_resolution == 1.0


def test_dynamic_scaling_anchors():
    assert [dynamic_scale(p, 4096) for p in (4095, 4096, 8191, 16383)] == [
        1.0,
        pytest.approx(1.000244, abs=1e-6),
        2.0,
        4.0,
    ]


def test_method_names_are_case_insensitive_and_results_deterministic():
    assert length_extrapolation(method="YaRN") == length_extrapolation(method="yarn")
    leaky = length_extrapolation(method="leaky-rerope")
    assert length_extrapolation(method=" Leaky ReRoPE") == leaky
    assert length_extrapolation(method="leaky_rerope") == leaky
    assert length_extrapolation(method="NTK-aware").method == "ntk-aware"
    assert length_extrapolation(method="Log-n").method == "log-n"
    assert set(length_extrapolation().uncovered_by_method) == set(METHODS)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"d": 127},
        {"d": 4},
        {"base": 1},
        {"train_len": 8},
        {"test_len": 1024},
        {"test_len": 2**21},
        {"method": "alibi"},
        {"window": 0},
        {"window": 5000},
        {"leak": 1},
        {"tau": 0.5},
        {"map_len": 1000},
    ],
)
def test_bad_parameters_raise_demo_error(kwargs):
    with pytest.raises(DemoError):
        length_extrapolation(**kwargs)

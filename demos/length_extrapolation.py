"""RoPE length extrapolation explorer (kexue.fm/archives/9948).

RoPE rotates dimension pair i by the angle (m - n) theta_i, theta_i = base^{-2i/d}. A model trained
on L_train tokens has seen, in pair i, only the angles in [0, L_train theta_i]; once that arc is a
full turn (r_i = L_train theta_i / 2 pi >= 1) every angle has been seen. At test length L_test a
method is judged here by the share of (pair, distance) cells whose test angle was never trained:
direct use, position interpolation (PI), NTK-aware scaling, YaRN, ReRoPE and leaky ReRoPE. Log-n
scaling leaves the angles alone and rescales the logits by max(1, log n / log L_train).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from demos import params
from demos.blas import single_blas_thread
from demos.errors import DemoError

METHODS = ("direct", "pi", "ntk-aware", "yarn", "rerope", "leaky-rerope", "log-n")
WINDOW_METHODS = ("rerope", "leaky-rerope")

D_RANGE = (8, 512)
BASE_RANGE = (10.0, 1e8)
TRAIN_RANGE = (16, 65536)
MAX_TEST_LEN = 2**20
MAX_STRETCH = 64  # test_len <= MAX_STRETCH * train_len
TAU_RANGE = (1.0, 4096.0)
LEAK_RANGE = (1.0, 1e6)
MAP_RANGE = (2, 64)
COVERAGE_BINS = 32
LOGIT_SCALE_POINTS = 64
# An angle counts as trained up to this relative slack, so that ratios that are exact in real
# arithmetic (PI: theta / s * s) are not lost to rounding.
ANGLE_SLACK = 1e-12


@dataclass(frozen=True)
class YarnCounts:
    unchanged: int
    ramp: int
    interpolated: int


@dataclass(frozen=True)
class LengthExtrapolationResult:
    d: int
    base: float
    train_len: int
    test_len: int
    method: str
    window: int
    leak: float
    tau: float
    scale: float
    ntk_kappa: float
    ntk_base: float
    yarn_counts: YarnCounts
    yarn_lambda: float
    yarn_lambda_approx: float
    log_n_ratio: float
    logit_scale: float
    uncovered_fraction: float
    uncovered_by_method: dict[str, float]
    local_resolution: float
    dims: list[int]
    theta: list[float]
    theta_new: list[float]
    theta_ratio: list[float]
    turns: list[float]
    yarn_gamma: list[float]
    coverage: list[float]
    coverage_bin_edges: list[int]
    coverage_map: list[list[float]]
    relative_map: list[list[float | None]]
    relative_map_window: int
    logit_positions: list[int]
    logit_scales: list[float]


@single_blas_thread
def length_extrapolation(
    d: object = 128,
    base: object = 10000.0,
    train_len: object = 4096,
    test_len: object = 16384,
    method: object = "yarn",
    window: object = None,
    leak: object = 8.0,
    tau: object = 32.0,
    map_len: object = 16,
) -> LengthExtrapolationResult:
    """Angle coverage and rescaled frequencies of `method` when running a model at `test_len`.

    `window` (default train_len // 4) is ReRoPE's window w; `leak` is leaky ReRoPE's k; `tau` is
    YaRN's turn threshold. The relative-position map is drawn for `map_len` tokens with the window
    shrunk in proportion to map_len / test_len (at least 1), as an illustration.
    """
    d = params.integer("d", d, *D_RANGE)
    if d % 2:
        raise DemoError(f"d must be even (RoPE rotates pairs of dimensions), got {d}")
    base = params.real("base", base, *BASE_RANGE)
    train_len = params.integer("train_len", train_len, *TRAIN_RANGE)
    longest = min(MAX_TEST_LEN, MAX_STRETCH * train_len)
    test_len = params.integer("test_len", test_len, train_len, longest)
    method = params.choice("method", method_slug(method), METHODS)
    window = train_len // 4 if window is None else window
    window = params.integer("window", window, 1, train_len)
    leak = params.real("leak", leak, *LEAK_RANGE, open_lo=True)
    tau = params.real("tau", tau, *TAU_RANGE, open_lo=True)
    map_len = params.integer("map_len", map_len, *MAP_RANGE)

    scale = test_len / train_len
    theta = rope_frequencies(d, base)
    turns = theta * train_len / (2 * math.pi)
    gamma = yarn_ramp(turns, tau)
    kappa = ntk_kappa(d, scale)
    new_thetas = {m: _method_theta(m, theta, d, base, scale, gamma) for m in METHODS}
    distances = np.arange(test_len, dtype=float)
    covered = {
        m: covered_distances(
            theta, new_thetas[m], relative_position(m, distances, window, leak), train_len
        )
        for m in METHODS
    }
    uncovered = {m: 1 - float(covered[m].sum()) / (len(theta) * test_len) for m in METHODS}

    theta_new = new_thetas[method]
    edges = np.linspace(0, test_len, min(COVERAGE_BINS, test_len) + 1).round().astype(int)
    map_window = max(1, round(window * map_len / test_len))
    positions = np.unique(np.geomspace(1, test_len, LOGIT_SCALE_POINTS).round().astype(int))
    lambdas = log_n_scale(positions, train_len)
    lam = yarn_lambda(scale)
    logit_scale = {"yarn": lam, "log-n": float(lambdas[-1])}.get(method, 1.0)
    resolution = relative_position(method, np.array([1.0]), window, leak)[0] * theta_new[0]
    return LengthExtrapolationResult(
        d=d,
        base=base,
        train_len=train_len,
        test_len=test_len,
        method=method,
        window=window,
        leak=leak,
        tau=tau,
        scale=scale,
        ntk_kappa=kappa,
        ntk_base=base * kappa,
        yarn_counts=YarnCounts(
            unchanged=int(np.sum(turns > tau)),
            ramp=int(np.sum((turns >= 1) & (turns <= tau))),
            interpolated=int(np.sum(turns < 1)),
        ),
        yarn_lambda=lam,
        yarn_lambda_approx=1 + 0.2 * math.log(scale),
        log_n_ratio=math.log(test_len) / math.log(train_len),
        logit_scale=logit_scale,
        uncovered_fraction=uncovered[method],
        uncovered_by_method=uncovered,
        local_resolution=float(resolution / theta[0]),
        dims=list(range(len(theta))),
        theta=theta.tolist(),
        theta_new=theta_new.tolist(),
        theta_ratio=(theta_new / theta).tolist(),
        turns=turns.tolist(),
        yarn_gamma=gamma.tolist(),
        coverage=(covered[method] / test_len).tolist(),
        coverage_bin_edges=edges.tolist(),
        coverage_map=_binned(covered[method], edges),
        relative_map=relative_positions(method, map_len, map_window, leak, scale),
        relative_map_window=map_window,
        logit_positions=positions.tolist(),
        logit_scales=lambdas.tolist(),
    )


def method_slug(method: object) -> object:
    """ "Leaky ReRoPE", "leaky_rerope" and "leaky-rerope" all name the same method."""
    if not isinstance(method, str):
        return method
    return "-".join(method.strip().lower().replace("_", " ").split())


def rope_frequencies(d: int, base: float) -> np.ndarray:
    """theta_i = base^{-2i/d} for i = 0 .. d/2 - 1."""
    return base ** (-2 * np.arange(d // 2) / d)


def ntk_kappa(d: int, scale: float) -> float:
    """NTK-aware base multiplier: the lowest frequency is divided by exactly `scale`."""
    kappa: float = scale ** (d / (d - 2))  # float ** float is typed Any (it may be complex)
    return kappa


def yarn_ramp(turns: np.ndarray, tau: float) -> np.ndarray:
    """gamma_i: 1 (keep) above tau turns, 0 (interpolate) below one turn, linear in between."""
    return np.clip((turns - 1) / (tau - 1), 0.0, 1.0)


def yarn_lambda(scale: float) -> float:
    """YaRN's logit multiplier (1 + 0.1 log s)^2."""
    return (1 + 0.1 * math.log(scale)) ** 2


def log_n_scale(positions: np.ndarray, train_len: int) -> np.ndarray:
    """Per-position logit multiplier max(1, log n / log L_train)."""
    scales: np.ndarray = np.maximum(
        1.0, np.log(np.asarray(positions, dtype=float)) / math.log(train_len)
    )
    return scales


def dynamic_scale(position: int, train_len: int) -> float:
    """Dynamic scaling's stretch at a position: max(L_train, pos + 1) / L_train."""
    return max(train_len, position + 1) / train_len


def relative_position(
    method: str, distances: np.ndarray, window: int, leak: float, scale: float = 1.0
) -> np.ndarray:
    """The relative position a method feeds to RoPE for each distance (PI divides by `scale`)."""
    if method == "rerope":
        capped: np.ndarray = np.minimum(distances, window)
        return capped
    if method == "leaky-rerope":
        return np.where(distances < window, distances, window + (distances - window) / leak)
    if method == "pi":
        return distances / scale
    return distances


def relative_positions(
    method: object, length: object, window: object = 3, leak: object = 2.0, scale: object = 4.0
) -> list[list[float | None]]:
    """Causal matrix of relative positions rel(i - j) for j <= i, None above the diagonal."""
    method = params.choice("method", method_slug(method), METHODS)
    length = params.integer("length", length, *MAP_RANGE)
    window = params.integer("window", window, 1, MAX_TEST_LEN)
    leak = params.real("leak", leak, *LEAK_RANGE, open_lo=True)
    scale = params.real("scale", scale, 1.0, MAX_STRETCH)
    rel = relative_position(method, np.arange(length, dtype=float), window, leak, scale)
    return [[float(rel[i - j]) if j <= i else None for j in range(length)] for i in range(length)]


def covered_distances(
    theta: np.ndarray, theta_new: np.ndarray, rel: np.ndarray, train_len: int
) -> np.ndarray:
    """Per pair, how many distances have a test angle rel * theta_new inside the trained arc.

    `rel` must be non-decreasing; a pair that turned at least once during training covers all.
    """
    limits = train_len * theta / theta_new * (1 + ANGLE_SLACK)
    counts = np.searchsorted(rel, limits, side="right")
    full_turn = theta * train_len >= 2 * math.pi
    return np.where(full_turn, len(rel), counts)


def _method_theta(
    method: str, theta: np.ndarray, d: int, base: float, scale: float, gamma: np.ndarray
) -> np.ndarray:
    if method == "pi":
        return theta / scale
    if method == "ntk-aware":
        return rope_frequencies(d, base * ntk_kappa(d, scale))
    if method == "yarn":
        ramped: np.ndarray = (gamma + (1 - gamma) / scale) * theta
        return ramped
    return theta


def _binned(covered: np.ndarray, edges: np.ndarray) -> list[list[float]]:
    """Share of each distance bin covered, given that pair i covers distances [0, covered_i)."""
    lo, hi = edges[:-1], edges[1:]
    inside = np.clip(covered[:, None] - lo[None, :], 0, hi - lo)
    shares: list[list[float]] = (inside / (hi - lo)).tolist()
    return shares

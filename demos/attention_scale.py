"""The attention scale that maximises the softmax gradient (kexue.fm/archives/9812).

For p = softmax(alpha s) the objective 1/2 ||dp/ds||_1 = alpha (1 - sum p_i^2). The article replaces
sum p_i^2 by its mean-field estimate E[e^{2 alpha s}] / (n E[e^{alpha s}]^2) and maximises over
alpha. Writing g(alpha) = E[e^{2 alpha s}] / E[e^{alpha s}]^2 (independent of n), the maximiser
solves (alpha g)' = n:

- normal scores s ~ N(0, 1): g = e^{alpha^2}, so e^{alpha^2} (1 + 2 alpha^2) = n;
- cosine scores of random unit vectors in d dimensions: E[e^{alpha s}] = 0F1(; d/2; alpha^2 / 4).

The numbers shown are those of the article's approximation; the Monte Carlo curve evaluates the
exact objective on sampled scores, whose maximiser is much larger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from demos import params
from demos.arrays import Floats
from demos.blas import single_blas_thread

KINDS = ("normal", "cosine")
N_RANGE = (2, 1_000_000)
D_RANGE = (8, 1024)
TRIALS_RANGE = (1, 64)
# The article's grid: n = 40, 80, ..., 20000.
FIT_GRID = tuple(range(40, 20001, 40))
ARTICLE_FIT = {"normal": 0.84, "cosine": 3.5}
ARTICLE_COSINE_D = 128
ARTICLE_BANDS = {"normal": (2.0, 3.0), "cosine": (25.0, 35.0)}
MONTE_CARLO_MAX_N = 20000
MONTE_CARLO_CELLS = 2**18
CURVE_POINTS = 97
CURVE_SPAN = 8.0  # the objective curve runs over alpha in [0, CURVE_SPAN * alpha*]
APPROXIMATION_NOTE = (
    "alpha_star maximises the article's mean-field approximation of alpha (1 - sum p^2); "
    "the Monte Carlo curve is the exact objective on sampled scores and peaks much later."
)


@dataclass(frozen=True)
class ObjectiveCurve:
    """Objective against alpha at one n; mean-field values far below zero are None (off plot)."""

    alphas: list[float]
    mean_field: list[float | None]
    monte_carlo: list[float] | None
    monte_carlo_alpha_star: float | None
    monte_carlo_trials: int


@dataclass(frozen=True)
class AttentionScaleResult:
    n: int
    kind: str
    d: int
    approximation: str
    note: str
    alpha_star: float
    logit_scale: float
    objective_at_alpha_star: float
    stationarity_residual: float
    fit_form: str
    coefficient: float
    fit_at_n: float
    article_coefficient: float | None
    band: tuple[float, float] | None
    share_in_band: float | None
    grid_n: list[int]
    grid_alpha_star: list[float]
    grid_fit: list[float]
    curve: ObjectiveCurve


@dataclass(frozen=True)
class JacobianCheck:
    n: int
    alpha: float
    finite_difference: float
    closed_form: float
    abs_error: float


@single_blas_thread
def attention_scale(
    n: object = 4096,
    kind: object = "normal",
    d: object = 128,
    trials: object = 16,
    seed: object = 0,
) -> AttentionScaleResult:
    """Mean-field optimal scale alpha* at `n` and its fit over the article's grid of n."""
    n = params.integer("n", n, *N_RANGE)
    kind = params.choice("kind", kind, KINDS)
    d = params.integer("d", d, *D_RANGE)
    trials = params.integer("trials", trials, *TRIALS_RANGE)
    seed = params.seed(seed)

    alpha = float(optimal_alpha(np.array([n], dtype=np.float64), kind, d)[0])
    grid = np.array(FIT_GRID, dtype=np.float64)
    grid_alpha = optimal_alpha(grid, kind, d)
    basis = np.sqrt(np.log(grid)) if kind == "normal" else np.log(grid)
    coefficient = float(basis @ grid_alpha / (basis @ basis))
    at_n = math.sqrt(math.log(n)) if kind == "normal" else math.log(n)
    article_applies = kind == "normal" or d == ARTICLE_COSINE_D
    band = ARTICLE_BANDS[kind] if article_applies else None
    share = None
    if band is not None:
        share = float(np.mean((grid_alpha >= band[0]) & (grid_alpha <= band[1])))

    residual = math.expm1(float(_log_h(np.array([alpha]), kind, d)[0]) - math.log(n))
    return AttentionScaleResult(
        n=n,
        kind=kind,
        d=d,
        approximation="mean-field",
        note=APPROXIMATION_NOTE,
        alpha_star=alpha,
        logit_scale=alpha / math.sqrt(d) if kind == "normal" else alpha,
        objective_at_alpha_star=float(mean_field_objective(np.array([alpha]), n, kind, d)[0]),
        stationarity_residual=abs(residual),
        fit_form="c*sqrt(log n)" if kind == "normal" else "c*log n",
        coefficient=coefficient,
        fit_at_n=coefficient * at_n,
        article_coefficient=ARTICLE_FIT[kind] if article_applies else None,
        band=band,
        share_in_band=share,
        grid_n=list(FIT_GRID),
        grid_alpha_star=grid_alpha.tolist(),
        grid_fit=(coefficient * basis).tolist(),
        curve=_curve(n, kind, d, alpha, trials, seed),
    )


def optimal_alpha(ns: Floats, kind: str, d: int = ARTICLE_COSINE_D) -> Floats:
    """alpha* for each n by bisection on log (alpha g(alpha))' = log n, to machine precision."""
    target = np.log(ns)
    lo = np.zeros_like(target)
    hi = np.ones_like(target)
    while np.any(_log_h(hi, kind, d) < target):
        hi = np.where(_log_h(hi, kind, d) < target, 2 * hi, hi)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = _log_h(mid, kind, d) < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2


def log_mgf(alpha: Floats, kind: str, d: int = ARTICLE_COSINE_D) -> Floats:
    """log E[e^{alpha s}] for the score distribution."""
    alpha = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    if kind == "normal":
        return alpha * alpha / 2
    from scipy.special import gammaln, hyp0f1, ive  # scipy loads in ~1 s: on first use

    with np.errstate(over="ignore"):
        values: Floats = np.log(hyp0f1(d / 2, alpha * alpha / 4))  # scipy is untyped
    # 0F1 overflows for large alpha, where the scaled Bessel form is accurate instead.
    big = ~np.isfinite(values)
    if np.any(big):
        order, a = d / 2 - 1, alpha[big]
        values[big] = gammaln(d / 2) + order * np.log(2 / a) + np.log(ive(order, a)) + a
    return values


def mean_field_objective(alphas: Floats, n: int, kind: str, d: int) -> Floats:
    """alpha (1 - g(alpha) / n), the article's approximation of alpha (1 - sum p^2)."""
    alphas = np.asarray(alphas, dtype=np.float64)
    objective: Floats = alphas * (1 - np.exp(_log_g(alphas, kind, d) - math.log(n)))
    return objective


def exact_objective(scores: Floats, alphas: Floats) -> Floats:
    """alpha (1 - sum p^2) for p = softmax(alpha s), averaged over the rows of `scores`."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    values = np.empty(len(alphas))
    for k, alpha in enumerate(alphas):
        weights = np.exp(alpha * shifted)
        sums = weights.sum(axis=1)
        values[k] = alpha * np.mean(1 - np.einsum("ij,ij->i", weights, weights) / sums**2)
    return values


def sample_scores(rng: np.random.Generator, trials: int, n: int, kind: str, d: int) -> Floats:
    """Scores of `trials` independent queries against n keys."""
    if kind == "normal":
        return rng.standard_normal((trials, n))
    # The cosine of two random unit vectors: (s + 1) / 2 ~ Beta((d - 1) / 2, (d - 1) / 2).
    return 2 * rng.beta((d - 1) / 2, (d - 1) / 2, (trials, n)) - 1


def jacobian_check(
    n: object = 50, alpha: object = 1.7, seed: object = 0, step: object = 1e-6
) -> JacobianCheck:
    """1/2 sum |dp_i/ds_j| by central differences against the closed form alpha (1 - sum p^2)."""
    n = params.integer("n", n, 2, 500)
    alpha = params.real("alpha", alpha, 0.0, 100.0)
    seed = params.seed(seed)
    step = params.real("step", step, 1e-9, 1e-2, open_lo=True)
    scores = np.random.default_rng(seed).standard_normal(n)

    def softmax(s: Floats) -> Floats:
        weights = np.exp(alpha * (s - s.max()))
        p: Floats = weights / weights.sum()
        return p

    jacobian = np.empty((n, n))
    for j in range(n):
        bump = np.zeros(n)
        bump[j] = step
        jacobian[:, j] = (softmax(scores + bump) - softmax(scores - bump)) / (2 * step)
    p = softmax(scores)
    finite = float(np.abs(jacobian).sum() / 2)
    closed = float(alpha * (1 - p @ p))
    return JacobianCheck(n, alpha, finite, closed, abs(finite - closed))


def _log_g(alpha: Floats, kind: str, d: int) -> Floats:
    return log_mgf(2 * alpha, kind, d) - 2 * log_mgf(alpha, kind, d)


def _log_h(alpha: Floats, kind: str, d: int) -> Floats:
    """log (alpha g(alpha))' = log g + log(1 + alpha (log g)')."""
    alpha = np.asarray(alpha, dtype=np.float64)
    if kind == "normal":
        return alpha * alpha + np.log1p(2 * alpha * alpha)
    slope = 2 * _tilted_mean(2 * alpha, d) - 2 * _tilted_mean(alpha, d)
    return _log_g(alpha, kind, d) + np.log1p(alpha * slope)


def _tilted_mean(alpha: Floats, d: int) -> Floats:
    """d/dalpha log E[e^{alpha s}] for cosine scores, using d/dz 0F1(;b;z) = 0F1(;b+1;z) / b."""
    b = d / 2
    z = alpha * alpha / 4
    from scipy.special import hyp0f1, ive

    with np.errstate(over="ignore", invalid="ignore"):
        values: Floats = alpha / (2 * b) * hyp0f1(b + 1, z) / hyp0f1(b, z)  # scipy: untyped
    # Where 0F1 overflows the same mean is the Bessel ratio I_b(alpha) / I_{b-1}(alpha).
    big = ~np.isfinite(values)
    if np.any(big):
        values[big] = ive(b, alpha[big]) / ive(b - 1, alpha[big])
    return values


def _curve(n: int, kind: str, d: int, alpha: float, trials: int, seed: int) -> ObjectiveCurve:
    alphas = np.linspace(0.0, CURVE_SPAN * alpha, CURVE_POINTS)
    peak = float(mean_field_objective(np.array([alpha]), n, kind, d)[0])
    with np.errstate(over="ignore"):
        mean_field = mean_field_objective(alphas, n, kind, d)
    shown = [float(v) if v >= -peak else None for v in mean_field]
    if n > MONTE_CARLO_MAX_N:
        return ObjectiveCurve(alphas.tolist(), shown, None, None, 0)
    trials = max(1, min(trials, MONTE_CARLO_CELLS // n))
    scores = sample_scores(np.random.default_rng(seed), trials, n, kind, d)
    exact = exact_objective(scores, alphas)
    return ObjectiveCurve(
        alphas=alphas.tolist(),
        mean_field=shown,
        monte_carlo=exact.tolist(),
        monte_carlo_alpha_star=float(alphas[int(np.argmax(exact))]),
        monte_carlo_trials=trials,
    )

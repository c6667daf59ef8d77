"""A positive Fourier series as a 1-D density model (kexue.fm/archives/10007).

On x in [-1, 1] the model is p(x) = |A(x)|^2 / (2 ||a||^2) with A(x) = sum_k a_k e^{-i pi k x},
k = 0..N, complex a: the Fourier form 1/2 + sum_n Re[(c_n / c_0) e^{i pi n x}] with the
autocorrelation c_n = sum_k a_k conj(a_{k+n}), which is non-negative and normalised by
construction. Data on the real line are standardised and squashed, x = tanh((y - mu) / sigma).
The fit minimises the mean negative log-likelihood plus gamma times the smoothness penalty
integral |p'|^2 dx = (pi^2 / 2) sum_n n^2 |c_n|^2 / c_0^2 (on the normalised density, so that the
penalty cannot be dodged by shrinking a), with analytic Wirtinger gradients.

For comparison, a Gaussian mixture with at most as many parameters is trained by gradient on the
same likelihood (the article's comparison); the same mixture fitted by EM is shown for reference.
Every fit sees the samples moved to the centres of 2048 equal bins, so that its cost does not
grow with the sample size; reported NLLs are on the raw samples. The optimiser is L-BFGS-B."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np

from demos import params
from demos.blas import single_blas_thread

TERMS_RANGE = (2, 32)
GAMMA_RANGE = (0.0, 1.0)
SAMPLES_RANGE = (500, 20000)
MAX_ITER = 500
MIXTURE_ITER = 200
EM_ITER = 100
FIT_BINS = 2048
KL_GRID = np.linspace(-8.0, 8.0, 40001)
VIEW = (-6.0, 6.0)
VIEW_POINTS = 481
HISTOGRAM_BINS = 60
UNIT_GRID = np.linspace(-1.0, 1.0, 20001)
LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class Component:
    kind: str  # "normal", "laplace" or "uniform" (loc = centre, scale = half-width)
    weight: float
    loc: float
    scale: float


TARGETS: dict[str, tuple[Component, ...]] = {
    "bimodal": (Component("normal", 0.5, -2.0, 0.5), Component("normal", 0.5, 2.0, 0.5)),
    "mixed": (
        Component("laplace", 0.4, -2.0, 0.4),
        Component("normal", 0.3, 1.0, 0.3),
        Component("laplace", 0.3, 3.0, 0.2),
    ),
    "gaussian": (Component("normal", 1.0, 0.0, 1.0),),
    "trimodal": (
        Component("normal", 0.3, -3.0, 0.4),
        Component("normal", 0.4, 0.0, 0.6),
        Component("normal", 0.3, 3.0, 0.4),
    ),
    "plateau": (Component("uniform", 0.6, -1.5, 1.5), Component("normal", 0.4, 2.5, 0.4)),
}


@dataclass(frozen=True)
class SeriesFit:
    terms: int
    gamma: float
    parameters: int
    mu: float
    sigma: float
    a_real: list[float]
    a_imag: list[float]
    coefficient_magnitudes: list[float]
    train_nll: float
    smoothness: float
    kl: float
    unit_min: float
    iterations: int


@dataclass(frozen=True)
class MixtureFit:
    method: str
    components: int
    parameters: int
    weights: list[float]
    means: list[float]
    scales: list[float]
    train_nll: float
    kl: float
    iterations: int


Fit = TypeVar("Fit", SeriesFit, MixtureFit)


@dataclass(frozen=True)
class FourierDensityResult:
    target: str
    terms: int
    gamma: float
    samples: int
    seed: int
    true_entropy: float
    train_nll: float
    kl: float
    fbdm: SeriesFit
    gmm: MixtureFit
    gmm_em: MixtureFit
    grid: list[float]
    true_density: list[float]
    fbdm_density: list[float]
    gmm_density: list[float]
    gmm_em_density: list[float]
    histogram_edges: list[float]
    histogram: list[float]
    unit_grid: list[float]
    unit_density: list[float]


@single_blas_thread
def fourier_density(
    target: object = "bimodal",
    terms: object = 16,
    gamma: object = 0.0,
    samples: object = 10000,
    seed: object = 0,
) -> FourierDensityResult:
    """Fit the series with `terms` = N to `samples` draws of `target`, and a same-size mixture."""
    target = params.choice("target", target, TARGETS)
    terms = params.integer("terms", terms, *TERMS_RANGE)
    gamma = params.real("gamma", gamma, *GAMMA_RANGE)
    samples = params.integer("samples", samples, *SAMPLES_RANGE)
    seed = params.seed(seed)

    rng = np.random.default_rng(seed)
    components = TARGETS[target]
    data = sample_target(components, samples, rng)
    true_kl = target_pdf(components, KL_GRID)
    mixture_size = (2 * (terms + 1) + 1) // 3
    series = fit_series(data, terms, gamma, rng)
    gradient = fit_mixture_gradient(data, mixture_size, rng)
    em = fit_mixture_em(data, mixture_size)
    fbdm, gmm, gmm_em = (
        _with_kl(series, true_kl),
        _with_kl(gradient, true_kl),
        _with_kl(em, true_kl),
    )

    grid = np.linspace(*VIEW, VIEW_POINTS)
    edges = np.linspace(*VIEW, HISTOGRAM_BINS + 1)
    counts, _ = np.histogram(data, edges)
    coefficients = _complex(fbdm)
    unit_step = max(1, (len(UNIT_GRID) - 1) // 400)
    unit = UNIT_GRID[::unit_step]
    return FourierDensityResult(
        target=target,
        terms=terms,
        gamma=gamma,
        samples=samples,
        seed=seed,
        true_entropy=entropy(true_kl),
        train_nll=fbdm.train_nll,
        kl=fbdm.kl,
        fbdm=fbdm,
        gmm=gmm,
        gmm_em=gmm_em,
        grid=grid.tolist(),
        true_density=target_pdf(components, grid).tolist(),
        fbdm_density=_model_pdf(fbdm, grid).tolist(),
        gmm_density=_model_pdf(gmm, grid).tolist(),
        gmm_em_density=_model_pdf(gmm_em, grid).tolist(),
        histogram_edges=edges.tolist(),
        histogram=(counts / (samples * np.diff(edges))).tolist(),
        unit_grid=unit.tolist(),
        unit_density=modulus_density(coefficients, unit).tolist(),
    )


# --- targets -------------------------------------------------------------------------------


def sample_target(
    components: tuple[Component, ...], size: int, rng: np.random.Generator
) -> np.ndarray:
    weights = np.array([c.weight for c in components])
    which = rng.choice(len(components), size=size, p=weights / weights.sum())
    out = np.empty(size)
    for k, c in enumerate(components):
        chosen = which == k
        n = int(chosen.sum())
        if c.kind == "normal":
            out[chosen] = rng.normal(c.loc, c.scale, n)
        elif c.kind == "laplace":
            out[chosen] = rng.laplace(c.loc, c.scale, n)
        else:
            out[chosen] = rng.uniform(c.loc - c.scale, c.loc + c.scale, n)
    return out


def target_pdf(components: tuple[Component, ...], y: np.ndarray) -> np.ndarray:
    total = np.zeros_like(y, dtype=float)
    for c in components:
        z = (y - c.loc) / c.scale
        if c.kind == "normal":
            density = np.exp(-0.5 * z * z) / (c.scale * math.sqrt(2 * math.pi))
        elif c.kind == "laplace":
            density = np.exp(-np.abs(z)) / (2 * c.scale)
        else:
            density = np.where(np.abs(z) <= 1, 1 / (2 * c.scale), 0.0)
        total += c.weight * density
    return total


def kl_divergence(true: np.ndarray, model: np.ndarray, grid: np.ndarray = KL_GRID) -> float:
    """KL(true || model) by the trapezoid rule on `grid`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        integrand = np.where(true > 0, true * (np.log(true) - np.log(model)), 0.0)
    return float(np.trapezoid(integrand, grid))


def entropy(true: np.ndarray, grid: np.ndarray = KL_GRID) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        integrand = np.where(true > 0, -true * np.log(true), 0.0)
    return float(np.trapezoid(integrand, grid))


# --- the Fourier-series model on [-1, 1] --------------------------------------------------


def autocorrelation(a: np.ndarray) -> np.ndarray:
    """c_n = sum_k a_k conj(a_{k+n}) for n = 0..N (c_{-n} = conj(c_n))."""
    return np.array([np.vdot(a[n:], a[: len(a) - n]) for n in range(len(a))])


def series_density(c: np.ndarray, x: np.ndarray) -> np.ndarray:
    """1/2 + sum_{n>=1} Re[(c_n / c_0) e^{i pi n x}]."""
    n = np.arange(1, len(c))
    ratio = c[1:] / c[0].real
    density: np.ndarray = 0.5 + (np.exp(1j * np.pi * np.outer(x, n)) @ ratio).real
    return density


def modulus_density(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """|sum_k a_k e^{-i pi k x}|^2 / (2 ||a||^2), the same density in Fejer-Riesz form."""
    z = np.exp(-1j * np.pi * np.asarray(x, dtype=float))
    amplitude = np.full(z.shape, a[-1], dtype=complex)
    for coefficient in a[-2::-1]:  # Horner's rule in z = e^{-i pi x}
        amplitude = amplitude * z + coefficient
    density: np.ndarray = np.abs(amplitude) ** 2 / (2 * np.vdot(a, a).real)
    return density


def series_cdf(c: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(x + 1)/2 + sum_{n>=1} Re[(c_n / c_0) (e^{i pi n x} - (-1)^n) / (i pi n)]."""
    n = np.arange(1, len(c))
    ratio = c[1:] / c[0].real / (1j * np.pi * n)
    waves = np.exp(1j * np.pi * np.outer(x, n)) - (-1.0) ** n
    cdf: np.ndarray = (np.asarray(x) + 1) / 2 + (waves @ ratio).real
    return cdf


def sample_series(c: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Inverse-CDF samples on [-1, 1]: tabulated inverse, then safeguarded Newton steps."""
    table = np.linspace(-1.0, 1.0, 4097)
    cdf = np.maximum.accumulate(series_cdf(c, table))
    u = rng.random(size)
    x = np.interp(u, cdf, table)
    lo = table[np.clip(np.searchsorted(cdf, u) - 1, 0, len(table) - 1)]
    hi = table[np.clip(np.searchsorted(cdf, u), 0, len(table) - 1)]
    for _ in range(4):
        step = (series_cdf(c, x) - u) / np.maximum(series_density(c, x), 1e-12)
        x = np.clip(x - step, lo, hi)
    return x


def smoothness(c: np.ndarray) -> float:
    """Integral of |p'|^2 over [-1, 1]: (pi^2 / 2) sum_{n=-N..N} n^2 |c_n|^2 / c_0^2."""
    n = np.arange(len(c))
    return float(math.pi**2 * np.sum(n * n * np.abs(c) ** 2) / c[0].real ** 2)


def fit_series(
    data: np.ndarray,
    terms: int,
    gamma: float,
    rng: np.random.Generator,
    bins: int = FIT_BINS,
) -> SeriesFit:
    """L-BFGS-B fit of a_0..a_N on the binned samples; mu, sigma are the samples' mean and std."""
    mu, sigma = float(data.mean()), float(data.std())
    centres, weights = histogram_points(data, bins)
    u = (centres - mu) / sigma
    x = np.tanh(u)
    log_jacobian = -math.log(sigma) - 2 * _log_cosh(u)
    k = np.arange(terms + 1)
    cos, sin = np.cos(np.pi * np.outer(x, k)), np.sin(np.pi * np.outer(x, k))
    size = terms + 1
    start = rng.normal(0.0, 0.1, 2 * size)
    start[0] += 1.0
    objective = _SeriesObjective(cos, sin, weights, float(weights @ log_jacobian), gamma)
    from scipy.optimize import minimize  # scipy loads in ~1 s: on first use

    fit = minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": MAX_ITER})
    a = fit.x[:size] + 1j * fit.x[size:]
    c = autocorrelation(a)
    result = SeriesFit(
        terms=terms,
        gamma=gamma,
        parameters=2 * size,
        mu=mu,
        sigma=sigma,
        a_real=a.real.tolist(),
        a_imag=a.imag.tolist(),
        coefficient_magnitudes=(np.abs(c) / c[0].real).tolist(),
        train_nll=math.nan,
        smoothness=smoothness(c),
        kl=math.nan,
        unit_min=float(modulus_density(a, UNIT_GRID).min()),
        iterations=int(fit.nit),
    )
    return replace(result, train_nll=-float(np.mean(np.log(series_pdf_on_line(result, data)))))


def histogram_points(data: np.ndarray, bins: int = FIT_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the non-empty bins of `bins` equal bins over the data, with their shares.

    The fits maximise the likelihood of the samples moved to their bin centres (bins of about
    1/2000 of the range), which keeps the cost independent of the sample size.
    """
    counts, edges = np.histogram(data, bins)
    keep = counts > 0
    return ((edges[:-1] + edges[1:]) / 2)[keep], counts[keep] / len(data)


class _SeriesObjective:
    """Weighted NLL of the squashed series (plus gamma times the smoothness) and its gradient."""

    def __init__(
        self,
        cos: np.ndarray,
        sin: np.ndarray,
        weights: np.ndarray,
        log_jacobian_mean: float,
        gamma: float,
    ) -> None:
        self.cos, self.sin, self.weights, self.gamma = cos, sin, weights, gamma
        self.log_jacobian_mean = log_jacobian_mean
        size = cos.shape[1]
        j, n = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        self.shift_down, self.shift_up = j - n, j + n
        self.down_ok, self.up_ok = self.shift_down >= 0, self.shift_up < size

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        size = self.cos.shape[1]
        real, imag = theta[:size], theta[size:]
        re = self.cos @ real + self.sin @ imag
        im = self.cos @ imag - self.sin @ real
        power = re * re + im * im
        norm = float(real @ real + imag @ imag)
        loss = -(self.weights @ np.log(power) - math.log(2 * norm) + self.log_jacobian_mean)
        scaled = 2 * self.weights / power
        wr, wi = scaled * re, scaled * im
        grad = np.concatenate(
            [self.cos.T @ wr - self.sin.T @ wi, self.sin.T @ wr + self.cos.T @ wi]
        )
        grad = -(grad - 2 * theta / norm)
        if self.gamma > 0:
            penalty, penalty_grad = self._smoothness(real + 1j * imag)
            loss += self.gamma * penalty
            grad += self.gamma * penalty_grad
        return float(loss), grad

    def _smoothness(self, a: np.ndarray) -> tuple[float, np.ndarray]:
        c = autocorrelation(a)
        n = np.arange(len(a))
        c0 = c[0].real
        energy = float(np.sum(n * n * np.abs(c) ** 2))
        value = math.pi**2 * energy / c0**2
        down = np.where(self.down_ok, a[np.clip(self.shift_down, 0, None)], 0)
        up = np.where(self.up_ok, a[np.clip(self.shift_up, 0, len(a) - 1)], 0)
        weights = n * n
        # Wirtinger derivative d value / d conj(a_j); the real gradient is twice its parts.
        wirtinger = math.pi**2 * (
            (down @ (weights * np.conj(c)) + up @ (weights * c)) / c0**2 - 2 * energy / c0**3 * a
        )
        return value, 2 * np.concatenate([wirtinger.real, wirtinger.imag])


# --- Gaussian mixtures ---------------------------------------------------------------------


def fit_mixture_gradient(data: np.ndarray, components: int, rng: np.random.Generator) -> MixtureFit:
    """Mixture trained by L-BFGS-B on the NLL (binned like the series) from means at random data
    points, equal weights and the data's spread: the article's gradient-trained baseline."""
    centres, shares = histogram_points(data)
    means = np.sort(rng.choice(data, components, replace=False))
    start = np.concatenate([np.zeros(components), means, np.full(components, math.log(data.std()))])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logits, mu, log_scale = np.split(theta, 3)
        log_w = logits - _logsumexp(logits)
        z = (centres - mu[:, None]) / np.exp(log_scale)[:, None]
        log_p, resp = _posterior((log_w - log_scale - 0.5 * LOG_2PI)[:, None] - 0.5 * z * z)
        resp *= shares
        grad_logits = resp.sum(axis=1) - np.exp(log_w)
        grad_mu = (resp * z).sum(axis=1) / np.exp(log_scale)
        grad_scale = (resp * (z * z - 1)).sum(axis=1)
        return -float(shares @ log_p), -np.concatenate([grad_logits, grad_mu, grad_scale])

    from scipy.optimize import minimize

    fit = minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": MIXTURE_ITER})
    logits, mu, log_scale = np.split(fit.x, 3)
    weights = np.exp(logits - _logsumexp(logits))
    return _mixture("gradient", data, weights, mu, np.exp(log_scale), int(fit.nit))


def fit_mixture_em(data: np.ndarray, components: int) -> MixtureFit:
    """Mixture fitted by EM (binned) from quantile-spread means: a reference, not the comparison."""
    centres, shares = histogram_points(data)
    means = np.quantile(data, (np.arange(components) + 0.5) / components)
    scales = np.full(components, data.std() / components)
    weights = np.full(components, 1 / components)
    previous, iterations = math.inf, 0
    floor = 1e-3 * data.std()
    for iterations in range(1, EM_ITER + 1):  # noqa: B007
        log_p, resp = _posterior(_joint_log(centres, weights, means, scales))
        resp *= shares
        mass = resp.sum(axis=1) + 1e-300
        weights = mass / mass.sum()
        means = resp @ centres / mass
        spread = (resp * (centres - means[:, None]) ** 2).sum(axis=1) / mass
        scales = np.maximum(np.sqrt(spread), floor)
        nll = -float(shares @ log_p)
        if previous - nll < 1e-8:
            break
        previous = nll
    return _mixture("em", data, weights, means, scales, iterations)


def mixture_pdf(
    y: np.ndarray, weights: np.ndarray, means: np.ndarray, scales: np.ndarray
) -> np.ndarray:
    joint = _joint_log(np.asarray(y, dtype=float), weights, means, scales)
    density: np.ndarray = np.exp(_posterior(joint)[0])
    return density


def _joint_log(
    y: np.ndarray, weights: np.ndarray, means: np.ndarray, scales: np.ndarray
) -> np.ndarray:
    """log w_k + log N(y | mu_k, s_k) with components along axis 0."""
    z = (y - means[:, None]) / scales[:, None]
    with np.errstate(divide="ignore"):
        joint: np.ndarray = (np.log(weights) - np.log(scales) - 0.5 * LOG_2PI)[
            :, None
        ] - 0.5 * z * z
        return joint


def _posterior(joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log sum_k exp(joint_k) per point and the responsibilities, with a single exp."""
    peak = joint.max(axis=0)
    shares = np.exp(joint - peak)
    total = shares.sum(axis=0)
    return np.log(total) + peak, shares / total


def _mixture(
    method: str,
    data: np.ndarray,
    weights: np.ndarray,
    means: np.ndarray,
    scales: np.ndarray,
    iterations: int,
) -> MixtureFit:
    nll = -float(np.mean(np.log(mixture_pdf(data, weights, means, scales))))
    return MixtureFit(
        method=method,
        components=len(weights),
        parameters=3 * len(weights) - 1,
        weights=weights.tolist(),
        means=means.tolist(),
        scales=scales.tolist(),
        train_nll=nll,
        kl=math.nan,
        iterations=iterations,
    )


def _logsumexp(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    """log sum exp along `axis`; scipy's version costs more than the arithmetic here."""
    peak = np.max(values, axis=axis, keepdims=True)
    total = np.log(np.sum(np.exp(values - peak), axis=axis, keepdims=True)) + peak
    result: np.ndarray = total.squeeze(axis) if axis is not None else total.reshape(())
    return result


def _with_kl(fit: Fit, true_pdf: np.ndarray) -> Fit:
    """The fit with its KL divergence from the true density (on the KL grid)."""
    return replace(fit, kl=kl_divergence(true_pdf, _model_pdf(fit, KL_GRID)))


def _complex(fit: SeriesFit) -> np.ndarray:
    return np.array(fit.a_real) + 1j * np.array(fit.a_imag)


def series_pdf_on_line(fit: SeriesFit, y: np.ndarray) -> np.ndarray:
    """q(y) = sech^2(u) p(tanh u) / sigma with u = (y - mu) / sigma."""
    u = (np.asarray(y, dtype=float) - fit.mu) / fit.sigma
    density: np.ndarray = modulus_density(_complex(fit), np.tanh(u)) * np.exp(-2 * _log_cosh(u))
    return density / fit.sigma


def _model_pdf(fit: SeriesFit | MixtureFit, y: np.ndarray) -> np.ndarray:
    if isinstance(fit, SeriesFit):
        return series_pdf_on_line(fit, y)
    return mixture_pdf(y, np.array(fit.weights), np.array(fit.means), np.array(fit.scales))


def _log_cosh(u: np.ndarray) -> np.ndarray:
    magnitude = np.abs(u)
    log_cosh: np.ndarray = magnitude + np.log1p(np.exp(-2 * magnitude)) - math.log(2)
    return log_cosh

"""Initial loss of a language model with tied input/output embeddings (kexue.fm/archives/9698).

At initialisation a DeepNorm-style network is close to the identity, so the model is a bigram
model: token i -> RMS-normalised row w_i -> logits against the output table. With the table tied
to the input embedding the self logit w_i . w_i / sigma ~ d sigma dominates and the loss is far
above log n. The demo measures the mean cross-entropy by Monte Carlo for the schemes of the
article and compares it with the article's formula log(e^{d sigma} + n - 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from demos import params
from demos.blas import single_blas_thread
from demos.errors import DemoError

SCHEMES = ("tied", "untied", "tied-orthogonal", "tied-swap", "tied-shuffle")
SIGMA_RULES = ("inv_sqrt_d", "log_n_over_d")

N_RANGE = (256, 8192)
D_RANGE = (32, 512)
BATCH_RANGE = (16, 1024)
MAX_WORK = 2**31  # n * d * batch multiply-adds in the main product
SIGMA_RANGE = (1e-4, 4.0)

SWEEP_SIGMAS = tuple(float(s) for s in np.logspace(-3.0, 0.0, 19))
# Logit cells evaluated per sigma and scheme in the sweep; bounds its cost at large n.
SWEEP_CELLS = 2**17


@dataclass(frozen=True)
class Moments:
    """Empirical moments of embedding rows next to their values for i.i.d. Gaussian entries."""

    samples: int
    mean_sq_norm: float
    var_sq_norm: float
    var_dot: float
    expected_mean_sq_norm: float
    expected_var_sq_norm: float
    expected_var_dot: float


@dataclass(frozen=True)
class SigmaSweep:
    """Monte Carlo loss against sigma for every scheme, with the two formula curves."""

    sigmas: list[float]
    losses: dict[str, list[float]]
    article_curve: list[float]
    refined_curve: list[float]
    log_n: float
    rows: int


@dataclass(frozen=True)
class TiedEmbeddingsResult:
    n: int
    d: int
    sigma: float
    sigma_rule: str
    scheme: str
    batch: int
    seed: int
    loss: float
    loss_stderr: float
    log_n: float
    formula: float
    formula_refined: float
    moments: Moments
    sweep: SigmaSweep


def resolve_sigma(sigma: object, n: int, d: int) -> tuple[float, str]:
    """The numeric init std for a rule name or a number, and the rule's name ("custom")."""
    if isinstance(sigma, str) and sigma.strip().lower() in SIGMA_RULES:
        rule = sigma.strip().lower()
        return (1.0 / math.sqrt(d) if rule == "inv_sqrt_d" else math.log(n) / d), rule
    try:
        value = params.real("sigma", sigma, *SIGMA_RANGE)
    except DemoError:
        raise DemoError(
            f"sigma must be one of {', '.join(SIGMA_RULES)} or a number in "
            f"[{SIGMA_RANGE[0]:g}, {SIGMA_RANGE[1]:g}], got {sigma!r}"
        ) from None
    return value, "custom"


def article_formula(scheme: str, n: int, d: int, sigma: float) -> float:
    """The article's estimate: log(e^{d sigma} + n - 1) when tied, log n without the self term."""
    if scheme == "tied":
        return float(np.logaddexp(d * sigma, math.log(n - 1)))
    return math.log(n)


def refined_formula(scheme: str, n: int, d: int, sigma: float) -> float:
    """The estimate counting E e^z = e^{d sigma^2 / 2} for the off-diagonal logits too."""
    spread = d * sigma * sigma / 2
    if scheme == "tied":
        return float(np.logaddexp(d * sigma, math.log(n - 1) + spread))
    return math.log(n) + spread


@single_blas_thread
def tied_embeddings(
    n: object = 4096,
    d: object = 256,
    sigma: object = "inv_sqrt_d",
    scheme: object = "tied",
    batch: object = 1024,
    seed: object = 0,
) -> TiedEmbeddingsResult:
    """Mean initial cross-entropy of `scheme` over `batch` (input, next-token) pairs, j != i."""
    n = params.integer("n", n, *N_RANGE)
    d = params.integer("d", d, *D_RANGE)
    if d % 2:
        raise DemoError(f"d must be even (the swap splits it in halves), got {d}")
    scheme = params.choice("scheme", scheme, SCHEMES)
    batch = params.integer("batch", batch, *BATCH_RANGE)
    if n * d * batch > MAX_WORK:
        raise DemoError(
            f"n * d * batch must be at most 2^31 (batch {MAX_WORK // (n * d)} at n={n}, d={d})"
        )
    seed = params.seed(seed)
    sigma_value, rule = resolve_sigma(sigma, n, d)

    rng = np.random.default_rng(seed)
    # Single precision halves the cost of the n x d x batch product; the losses are averaged in
    # double precision and are far coarser than its rounding.
    # W = sigma Z: the normalised inputs do not depend on sigma and the logits are linear in it.
    table = rng.standard_normal((n, d), dtype=np.float32)
    inputs = rng.integers(0, n, batch)
    targets = (inputs + rng.integers(1, n, batch)) % n
    untied = rng.standard_normal((n, d), dtype=np.float32) if scheme == "untied" else None
    projection = _orthogonal(rng, d)

    features = _rms_normalise(table[inputs])
    unit_logits = _unit_logits(scheme, features, table, untied, projection)
    per_row = _cross_entropy(unit_logits, targets, sigma_value)

    sweep = _sweep(rng, n, d, table, features, targets, untied, projection)
    half = n // 2
    moments = _moments(table[:half], table[half : 2 * half], sigma_value)
    return TiedEmbeddingsResult(
        n=n,
        d=d,
        sigma=sigma_value,
        sigma_rule=rule,
        scheme=scheme,
        batch=batch,
        seed=seed,
        loss=float(per_row.mean(dtype=np.float64)),
        loss_stderr=float(per_row.std(ddof=1, dtype=np.float64) / math.sqrt(batch)),
        log_n=math.log(n),
        formula=article_formula(scheme, n, d, sigma_value),
        formula_refined=refined_formula(scheme, n, d, sigma_value),
        moments=moments,
        sweep=sweep,
    )


@single_blas_thread
def embedding_moments(
    d: object = 256, sigma: object = "inv_sqrt_d", samples: object = 20000, seed: object = 0
) -> Moments:
    """E||w||^2, Var||w||^2 and Var(w . v) over `samples` pairs of independent Gaussian rows."""
    d = params.integer("d", d, *D_RANGE)
    samples = params.integer("samples", samples, 100, 50000)
    seed = params.seed(seed)
    sigma_value, _ = resolve_sigma(sigma, N_RANGE[0], d)
    rng = np.random.default_rng(seed)
    return _moments(
        rng.standard_normal((samples, d)), rng.standard_normal((samples, d)), sigma_value
    )


def _moments(rows: np.ndarray, others: np.ndarray, sigma: float) -> Moments:
    d = rows.shape[1]
    rows, others = rows.astype(np.float64), others.astype(np.float64)
    var = sigma * sigma
    sq_norms = var * np.einsum("ij,ij->i", rows, rows)
    dots = var * np.einsum("ij,ij->i", rows, others)
    return Moments(
        samples=len(rows),
        mean_sq_norm=float(sq_norms.mean()),
        var_sq_norm=float(sq_norms.var(ddof=1)),
        var_dot=float(dots.var(ddof=1)),
        expected_mean_sq_norm=d * var,
        expected_var_sq_norm=2 * d * var * var,
        expected_var_dot=d * var * var,
    )


def _orthogonal(rng: np.random.Generator, d: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


def _rms_normalise(rows: np.ndarray) -> np.ndarray:
    normalised: np.ndarray = rows / np.sqrt(np.mean(rows * rows, axis=1, keepdims=True))
    return normalised


def _unit_logits(
    scheme: str,
    features: np.ndarray,
    table: np.ndarray,
    untied: np.ndarray | None,
    projection: np.ndarray,
) -> np.ndarray:
    """Logits for sigma = 1; the real ones are sigma times these."""
    d = features.shape[1]
    if scheme == "untied":
        assert untied is not None
        untied_logits: np.ndarray = features @ untied.T
        return untied_logits
    if scheme == "tied-orthogonal":
        features = features @ projection
    elif scheme == "tied-swap":
        features = np.concatenate([features[:, d // 2 :], features[:, : d // 2]], axis=1)
    elif scheme == "tied-shuffle":
        # ShuffleNet channel shuffle with two groups: reshape (2, d/2), transpose, flatten.
        features = features.reshape(len(features), 2, d // 2).transpose(0, 2, 1).reshape(-1, d)
    logits: np.ndarray = features @ table.T
    return logits


def _cross_entropy(unit_logits: np.ndarray, targets: np.ndarray, sigma: float) -> np.ndarray:
    """-log softmax(sigma * logits)[target] per row, without modifying `unit_logits`."""
    logits = unit_logits * sigma
    target_logits = logits[np.arange(len(targets)), targets]
    peak = logits.max(axis=1, keepdims=True)
    np.subtract(logits, peak, out=logits)
    np.exp(logits, out=logits)
    losses: np.ndarray = np.log(logits.sum(axis=1)) + peak[:, 0] - target_logits
    return losses


def _sweep(
    rng: np.random.Generator,
    n: int,
    d: int,
    table: np.ndarray,
    features: np.ndarray,
    targets: np.ndarray,
    untied: np.ndarray | None,
    projection: np.ndarray,
) -> SigmaSweep:
    rows = min(len(features), max(16, SWEEP_CELLS // n))
    features, targets = features[:rows], targets[:rows]
    if untied is None:
        untied = rng.standard_normal((n, d), dtype=np.float32)
    losses = {}
    for scheme in SCHEMES:
        unit = _unit_logits(scheme, features, table, untied, projection)
        losses[scheme] = [
            float(_cross_entropy(unit, targets, s).mean(dtype=np.float64)) for s in SWEEP_SIGMAS
        ]
    return SigmaSweep(
        sigmas=list(SWEEP_SIGMAS),
        losses=losses,
        article_curve=[article_formula("tied", n, d, s) for s in SWEEP_SIGMAS],
        refined_curve=[refined_formula("tied", n, d, s) for s in SWEEP_SIGMAS],
        log_n=math.log(n),
        rows=rows,
    )

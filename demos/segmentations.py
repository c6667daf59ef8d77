"""Every segmentation of a short text under a unigram vocabulary, exact against sampled
(kexue.fm/archives/9752, /9768 and /9811).

A segmentation w of the UTF-8 bytes of a text scores log P(w) = sum log p(w_i) with p the values of
the vocabulary, taken as given (not renormalised). Sampling at temperature alpha targets
P(w)^alpha / Z. Samplers:

- "perfect": BytePiece's final algorithm (reservoir sampling with a running log-sum-exp per end
  position), which hits the target exactly. It runs in a tokenizer when the caller passes
  ``tokenizer_factory`` (the site binds the project's ``tokenizer.Tokenizer``) and the values
  sum to at most 1 (the rest of the mass goes to a piece that cannot match), and otherwise in a
  vectorised numpy transcription of the same algorithm.
- "sigmoid": BytePiece 0.4.0's pairwise duels accept(new) with probability
  sigmoid(alpha (s_new - s_current)); biased when more than two paths meet.
- "nbest": SentencePiece-style subword regularisation over the n most probable segmentations.
"""

from __future__ import annotations

import base64
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from demos import params
from demos.blas import single_blas_thread
from demos.errors import DemoError

ALGORITHMS = ("perfect", "sigmoid", "nbest")
ENGINES = ("tokenizer", "numpy")
MAX_TEXT_BYTES = 12
MAX_PIECE_BYTES = 12
MAX_VOCAB = 64
ALPHA_RANGE = (0.0, 100.0)
SAMPLES_RANGE = (1, 100_000)
# The pure-Python tokenizer is about ten times slower than the compiled one.
SLOW_TOKENIZER_SAMPLES = 20_000
DEFAULT_TEXT = "abaab"
DEFAULT_VOCAB: dict[str, float] = {
    "a": 0.3,
    "b": 0.2,
    "ab": 0.15,
    "ba": 0.1,
    "aa": 0.08,
    "aba": 0.05,
    "baa": 0.04,
    "abaa": 0.03,
    "aab": 0.06,
}
# Counts giving the tokenizer log(count / total) = log p up to ~1e-15.
COUNT_SCALE = 2**50
# Never part of UTF-8 text, so a piece made of it absorbs the unused mass without matching.
FILLER_PIECE = b"\xff"


class SamplingTokenizer(Protocol):
    """A BytePiece tokenizer, seeded, that samples segmentations at temperature alpha."""

    @property
    def backend(self) -> str: ...  # "compiled" or the slower pure Python

    def segment(self, data: bytes, alpha: float) -> list[bytes]: ...


# Builds a tokenizer from a BytePiece model (see `tokenizer_model`) and a seed.
TokenizerFactory = Callable[[dict[str, list[object]], int], SamplingTokenizer]


@dataclass(frozen=True)
class Segmentation:
    pieces: list[str]
    text: str
    tokens: int
    log_prob: float
    probability: float
    target: float
    count: int
    frequency: float


@dataclass(frozen=True)
class SegmentationsResult:
    text: str
    alpha: float
    algorithm: str
    engine: str
    samples: int
    seed: int
    nbest: int
    vocab: dict[str, float]
    vocab_total: float
    count: int
    log_z_dp: float
    log_z_brute: float
    best: str
    best_log_prob: float
    tv_distance: float
    chi_square: float | None
    chi_square_p: float | None
    rows: list[Segmentation]


@single_blas_thread
def segmentations(
    text: object = DEFAULT_TEXT,
    alpha: object = 1.0,
    vocab: object = None,
    algorithm: object = "perfect",
    samples: object = 100_000,
    seed: object = 0,
    nbest: object = 4,
    engine: object = None,
    *,
    tokenizer_factory: TokenizerFactory | None = None,
) -> SegmentationsResult:
    """Exact distribution of the segmentations of `text` next to `samples` sampled ones.

    `vocab` maps pieces to probabilities: a mapping, JSON object text, or "a:0.3,b:0.2" text
    (None: the reference vocabulary). `engine` ("tokenizer" or "numpy") picks where the
    perfect sampler runs; by default the tokenizer whenever it can represent the vocabulary.
    The tokenizer is the one `tokenizer_factory` builds; without a factory numpy samples.
    Rows are sorted by exact probability; `target` is what the algorithm aims at (the exact
    probability, or for "nbest" its renormalisation over the n best).
    """
    pieces = parse_vocab(DEFAULT_VOCAB if vocab is None else vocab)
    if not isinstance(text, str):
        raise DemoError("text must be a string")
    data = unicodedata.normalize("NFC", text).encode("utf-8")
    if not 1 <= len(data) <= MAX_TEXT_BYTES:
        raise DemoError(f"text must be 1 to {MAX_TEXT_BYTES} UTF-8 bytes, got {len(data)}")
    alpha = params.real("alpha", alpha, *ALPHA_RANGE)
    algorithm = params.choice("algorithm", algorithm, ALGORITHMS)
    samples = params.integer("samples", samples, *SAMPLES_RANGE)
    seed = params.seed(seed)
    nbest = params.integer("nbest", nbest, 1, 2 ** (MAX_TEXT_BYTES - 1))
    total = math.fsum(pieces.values())
    tokenizer = _tokenizer(tokenizer_factory, engine, algorithm, pieces, total, samples, seed)

    scores = {p: math.log(v) for p, v in pieces.items()}
    found = enumerate_segmentations(data, scores)
    if not found:
        raise DemoError("the vocabulary cannot segment this text")
    log_probs = np.array([sum(scores[p] for p in seg) for seg in found])
    weights = alpha * log_probs
    from scipy.special import logsumexp  # scipy loads in ~1 s: on first use

    log_z = float(logsumexp(weights))
    exact = np.exp(weights - log_z)
    target = exact
    if algorithm == "nbest":
        # Stable order: ties keep enumeration order, like a deterministic n-best list.
        keep = np.argsort(-log_probs, kind="stable")[:nbest]
        target = np.zeros_like(exact)
        target[keep] = np.exp(weights[keep] - logsumexp(weights[keep]))

    index = {boundary_mask(seg): k for k, seg in enumerate(found)}
    counts = np.zeros(len(found), dtype=np.int64)
    rng = np.random.default_rng(seed)
    if algorithm == "nbest":
        counts += np.bincount(rng.choice(len(found), samples, p=target), minlength=len(found))
    elif tokenizer is not None:
        drawn = Counter(tuple(tokenizer.segment(data, alpha)) for _ in range(samples))
        for seg, times in drawn.items():
            counts[index[boundary_mask(list(seg))]] += times
    else:
        masks = sample_masks(data, scores, alpha, samples, rng, sigmoid=algorithm == "sigmoid")
        for mask, times in zip(*np.unique(masks, return_counts=True), strict=True):
            counts[index[int(mask)]] += times
    frequency = counts / samples
    chi2, chi2_p = _chi_square(counts, target, samples)
    best_log_prob, best = viterbi(data, scores)

    order = np.argsort(-exact, kind="stable")
    rows = [
        Segmentation(
            pieces=[p.decode("utf-8", errors="replace") for p in found[k]],
            text="|".join(p.decode("utf-8", errors="replace") for p in found[k]),
            tokens=len(found[k]),
            log_prob=float(log_probs[k]),
            probability=float(exact[k]),
            target=float(target[k]),
            count=int(counts[k]),
            frequency=float(frequency[k]),
        )
        for k in order
    ]
    return SegmentationsResult(
        text=text,
        alpha=alpha,
        algorithm=algorithm,
        engine="tokenizer" if tokenizer is not None else "numpy",
        samples=samples,
        seed=seed,
        nbest=nbest,
        vocab={p.decode("utf-8"): v for p, v in pieces.items()},
        vocab_total=total,
        count=len(found),
        log_z_dp=log_partition(data, scores, alpha),
        log_z_brute=log_z,
        best="|".join(p.decode("utf-8", errors="replace") for p in best),
        best_log_prob=best_log_prob,
        tv_distance=float(np.abs(frequency - target).sum() / 2),
        chi_square=chi2,
        chi_square_p=chi2_p,
        rows=rows,
    )


def parse_vocab(vocab: object) -> dict[bytes, float]:
    """Pieces (UTF-8 bytes) with their probabilities, from a mapping or its text forms."""
    if isinstance(vocab, str):
        text = vocab.strip()
        if text.startswith("{"):
            try:
                vocab = json.loads(text)
            except json.JSONDecodeError as error:
                raise DemoError(f"vocab is not valid JSON: {error.msg}") from None
        else:
            entries: dict[str, str] = {}
            for item in (item.strip() for item in text.split(",")):
                piece, sep, value = item.rpartition(":")
                if not sep or not piece:
                    raise DemoError(f"vocab entries are piece:probability, got {item!r}")
                if piece in entries:
                    raise DemoError(f"vocab piece {piece!r} is given twice")
                entries[piece] = value
            vocab = entries
    if not isinstance(vocab, Mapping):
        raise DemoError("vocab must map pieces to probabilities")
    if not 1 <= len(vocab) <= MAX_VOCAB:
        raise DemoError(f"vocab must have 1 to {MAX_VOCAB} pieces, got {len(vocab)}")
    pieces: dict[bytes, float] = {}
    for piece, value in vocab.items():
        if not isinstance(piece, str) or not piece:
            raise DemoError(f"vocab pieces must be non-empty strings, got {piece!r}")
        raw = unicodedata.normalize("NFC", piece).encode("utf-8")
        if len(raw) > MAX_PIECE_BYTES:
            raise DemoError(f"vocab piece {piece!r} is longer than {MAX_PIECE_BYTES} bytes")
        if raw in pieces:
            raise DemoError(f"vocab piece {piece!r} is given twice")
        pieces[raw] = params.real(f"probability of {piece!r}", value, 0.0, 1.0, open_lo=True)
    return pieces


def enumerate_segmentations(data: bytes, scores: Mapping[bytes, float]) -> list[list[bytes]]:
    """All ways to cut `data` into pieces of the vocabulary, in lexicographic order of cuts."""
    longest = max(len(p) for p in scores)
    tails: list[list[list[bytes]]] = [[] for _ in range(len(data))] + [[[]]]
    for start in range(len(data) - 1, -1, -1):
        for end in range(start + 1, min(len(data), start + longest) + 1):
            piece = data[start:end]
            if piece in scores:
                tails[start].extend([piece, *rest] for rest in tails[end])
    return tails[0]


def boundary_mask(pieces: list[bytes]) -> int:
    """The interior cut positions of a segmentation as bits (bit k: a cut after byte k)."""
    mask, position = 0, 0
    for piece in pieces[:-1]:
        position += len(piece)
        mask |= 1 << (position - 1)
    return mask


def candidates(data: bytes, scores: Mapping[bytes, float]) -> list[tuple[int, int, float]]:
    """(start, end, log p) of every piece occurrence, in Aho-Corasick order: by end, longest
    first."""
    longest = max(len(p) for p in scores)
    found = []
    for end in range(1, len(data) + 1):
        for start in range(max(0, end - longest), end):
            piece = data[start:end]
            if piece in scores:
                found.append((start, end, scores[piece]))
    return found


def log_partition(data: bytes, scores: Mapping[bytes, float], alpha: float) -> float:
    """log Z = log sum_w exp(alpha log P(w)) by the forward recursion."""
    log_z = [0.0] + [-math.inf] * len(data)
    for start, end, score in candidates(data, scores):
        log_z[end] = float(np.logaddexp(log_z[end], log_z[start] + alpha * score))
    return log_z[-1]


def viterbi(data: bytes, scores: Mapping[bytes, float]) -> tuple[float, list[bytes]]:
    """The most probable segmentation and its log-probability (earlier candidate wins ties)."""
    best = [0.0] + [-math.inf] * len(data)
    route = list(range(len(data) + 1))
    for start, end, score in candidates(data, scores):
        if best[start] + score > best[end]:
            best[end], route[end] = best[start] + score, start
    pieces, end = [], len(data)
    while end > 0:
        pieces.append(data[route[end] : end])
        end = route[end]
    return best[-1], pieces[::-1]


def sample_masks(
    data: bytes,
    scores: Mapping[bytes, float],
    alpha: float,
    samples: int,
    rng: np.random.Generator,
    *,
    sigmoid: bool = False,
) -> np.ndarray:
    """Boundary masks of `samples` segmentations, all drawn at once.

    Perfect: per end position a running log Z (deterministic) and a route switched to each new
    start with probability e^{alpha v + log Z(start) - log Z(end)}. Sigmoid (0.4.0): a route
    switched with probability sigmoid(alpha (new path score - current path score)), where the
    path scores are those of each sample's own current choices.
    """
    size = len(data) + 1
    # One row per end position, one column per sample: rows are contiguous.
    routes = np.repeat(np.arange(size, dtype=np.int64)[:, None], samples, axis=1)
    if sigmoid:
        path = np.full((size, samples), -np.inf)
        path[0] = 0.0
    log_z = np.full(size, -np.inf)
    log_z[0] = 0.0
    from scipy.special import expit

    for start, end, score in candidates(data, scores):
        if sigmoid:
            new = path[start] + score
            current = path[end]
            with np.errstate(invalid="ignore"):
                accept = rng.random(samples) < expit(alpha * (new - current))
            accept |= np.isneginf(current)
            np.copyto(current, new, where=accept)
        else:
            candidate = log_z[start] + alpha * score
            log_z[end] = np.logaddexp(log_z[end], candidate)
            accept = rng.random(samples) < math.exp(candidate - log_z[end])
        np.copyto(routes[end], start, where=accept)
    masks = np.zeros(samples, dtype=np.int64)
    columns = np.arange(samples)
    position = np.full(samples, len(data))
    while np.any(position > 0):
        start = routes[position, columns]
        masks |= np.where(start > 0, np.left_shift(1, np.maximum(start - 1, 0)), 0)
        position = start
    return masks


def tokenizer_model(pieces: Mapping[bytes, float]) -> dict[str, list[object]]:
    """A BytePiece model whose pieces have exactly (to ~1e-15) the given probabilities."""
    counts = {p: max(1, round(v * COUNT_SCALE)) for p, v in pieces.items()}
    rest = COUNT_SCALE - sum(counts.values())
    if rest > 0:
        counts[FILLER_PIECE] = rest
    ordered = sorted(counts, key=lambda p: (len(p), p))
    return {
        base64.b64encode(p).decode(): [i + 3, p.decode(errors="replace"), counts[p]]
        for i, p in enumerate(ordered)
    }


def _tokenizer(
    factory: TokenizerFactory | None,
    engine: object,
    algorithm: str,
    pieces: Mapping[bytes, float],
    total: float,
    samples: int,
    seed: int,
) -> SamplingTokenizer | None:
    """The tokenizer that will sample, or None for the numpy samplers."""
    representable = total <= 1 + 1e-9
    if engine is None:
        if algorithm != "perfect" or not representable or factory is None:
            return None
        tokenizer = factory(tokenizer_model(pieces), seed)
        fast = tokenizer.backend == "compiled" or samples <= SLOW_TOKENIZER_SAMPLES
        return tokenizer if fast else None
    if params.choice("engine", engine, ENGINES) == "numpy":
        return None
    if algorithm != "perfect":
        raise DemoError("only the perfect sampler runs in the tokenizer")
    if factory is None:
        raise DemoError("the tokenizer is not available: pass tokenizer_factory=...")
    if not representable:
        raise DemoError(
            f"the tokenizer needs probabilities summing to at most 1, these sum to {total:g}"
        )
    tokenizer = factory(tokenizer_model(pieces), seed)
    if tokenizer.backend != "compiled" and samples > SLOW_TOKENIZER_SAMPLES:
        raise DemoError(
            f"samples must be at most {SLOW_TOKENIZER_SAMPLES} with the pure-Python tokenizer"
        )
    return tokenizer


def _chi_square(
    counts: np.ndarray, target: np.ndarray, samples: int
) -> tuple[float | None, float | None]:
    expected = target * samples
    support = expected > 0
    if np.any(counts[~support] > 0):
        return None, 0.0
    cells = int(support.sum())
    if cells < 2:
        return None, None
    value = float(((counts[support] - expected[support]) ** 2 / expected[support]).sum())
    from scipy import stats

    return value, float(stats.chi2.sf(value, cells - 1))

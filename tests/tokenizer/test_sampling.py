"""Sampling draws each segmentation with probability proportional to exp(alpha * sum log p)."""

from __future__ import annotations

import base64
import math
from collections import Counter

import pytest

from tokenizer import Tokenizer

from .conftest import BACKENDS, MODEL

# The small vocabulary of the article on perfect sampling, as probabilities.
ABAAB_PROBS = {
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


def model_of(probs: dict[str, float], scale: float = 1000) -> dict[str, list[object]]:
    """A BytePiece model whose counts are the probabilities times ``scale``."""
    ordered = sorted(probs, key=lambda piece: (len(piece), piece))
    return {
        base64.b64encode(piece.encode()).decode(): [i + 3, piece, round(probs[piece] * scale)]
        for i, piece in enumerate(ordered)
    }


def segmentations(text: str, vocabulary: set[str]) -> list[tuple[str, ...]]:
    if not text:
        return [()]
    return [
        (text[:k], *rest)
        for k in range(1, len(text) + 1)
        if text[:k] in vocabulary
        for rest in segmentations(text[k:], vocabulary)
    ]


def exact_distribution(
    text: str, log_probs: dict[str, float], alpha: float
) -> dict[tuple[str, ...], float]:
    weights = {
        seg: math.exp(alpha * sum(log_probs[p] for p in seg))
        for seg in segmentations(text, set(log_probs))
    }
    total = sum(weights.values())
    return {seg: w / total for seg, w in weights.items()}


def sample(tokenizer: Tokenizer, text: str, alpha: float, n: int) -> Counter:
    return Counter(
        tuple(p.decode() for p in tokenizer.tokenize(text, alpha=alpha)) for _ in range(n)
    )


def total_variation(counts: Counter, exact: dict[tuple[str, ...], float]) -> float:
    n = sum(counts.values())
    keys = set(counts) | set(exact)
    return 0.5 * sum(abs(counts[k] / n - exact.get(k, 0.0)) for k in keys)


def test_the_enumeration_matches_the_article() -> None:
    log_probs = {piece: math.log(p) for piece, p in ABAAB_PROBS.items()}
    exact = exact_distribution("abaab", log_probs, 1.0)
    assert len(exact) == 14
    assert exact[("ab", "aab")] == pytest.approx(0.16547, abs=1e-5)
    assert exact[("aba", "ab")] == pytest.approx(0.13789, abs=1e-5)
    assert exact[("a", "b", "aa", "b")] == pytest.approx(0.01765, abs=1e-5)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 3.0])
def test_sampling_matches_the_exact_distribution(alpha: float) -> None:
    tokenizer = Tokenizer(model_of(ABAAB_PROBS), seed=12345, backend="compiled")
    log_probs = {p.decode(): v for p, v in tokenizer.vocabulary.log_probs().items()}
    exact = exact_distribution("abaab", log_probs, alpha)
    counts = sample(tokenizer, "abaab", alpha, 100_000)
    assert set(counts) <= set(exact)
    assert total_variation(counts, exact) < 0.01


def test_alpha_zero_is_uniform_and_large_alpha_is_the_argmax() -> None:
    tokenizer = Tokenizer(model_of(ABAAB_PROBS), seed=7, backend="compiled")
    uniform = sample(tokenizer, "abaab", 0.0, 50_000)
    assert len(uniform) == 14
    assert all(abs(c / 50_000 - 1 / 14) < 0.006 for c in uniform.values())
    sharp = sample(tokenizer, "abaab", 50.0, 5_000)
    assert sharp[("ab", "aab")] / 5_000 >= 0.999
    assert tokenizer.tokenize("abaab") == [b"ab", b"aab"]


def test_equal_scores_are_equally_likely() -> None:
    # Three segmentations of "xyz" with the same probability: a chain of pairwise duels would
    # give 1/4, 1/4, 1/2; exact sampling gives 1/3 each.
    # Counts chosen so that, normalised by their total 21, all three have probability 1/21.
    counts = {"x": 3, "xy": 3, "xyz": 1, "yz": 7, "z": 7}
    tokenizer = Tokenizer(model_of(counts, scale=1), seed=3, backend="compiled")
    counts = sample(tokenizer, "xyz", 1.0, 60_000)
    assert set(counts) == {("xyz",), ("x", "yz"), ("xy", "z")}
    assert all(abs(c / 60_000 - 1 / 3) < 0.01 for c in counts.values())


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_seed_gives_the_same_samples(backend: str) -> None:
    texts = ["Sampling segmentations of arXiv abstracts.", "科学空间 😀 mixed\n\nlines"]
    runs = []
    for _ in range(2):
        tokenizer = Tokenizer(MODEL, seed=2024, backend=backend)
        runs.append([tokenizer.encode(t, alpha=0.1) for t in texts * 5])
    assert runs[0] == runs[1]
    other = Tokenizer(MODEL, seed=2025, backend=backend)
    assert [other.encode(t, alpha=0.1) for t in texts * 5] != runs[0]


@pytest.mark.parametrize("alpha", [0.0, 0.1, 1.0])
def test_both_paths_draw_the_same_samples(alpha: float, golden_abstracts: list[dict]) -> None:
    texts = [row["text"] for row in golden_abstracts[:60]]
    compiled = Tokenizer(MODEL, seed=99, backend="compiled")
    pure = Tokenizer(MODEL, seed=99, backend="python")
    assert [compiled.encode(t, alpha=alpha) for t in texts] == [
        pure.encode(t, alpha=alpha) for t in texts
    ]


def test_samples_are_valid_segmentations(golden_abstracts: list[dict]) -> None:
    tokenizer = Tokenizer(MODEL, seed=1)
    for row in golden_abstracts[:50]:
        encoding = tokenizer.encode_with_offsets(row["text"], alpha=0.1)
        assert b"".join(encoding.pieces) == encoding.text
        assert tokenizer.decode(encoding.ids) == row["text"]


def test_tokenizers_do_not_share_random_state() -> None:
    first = Tokenizer(model_of(ABAAB_PROBS), seed=5)
    expected = [first.tokenize("abaab", alpha=0.0) for _ in range(50)]
    second = Tokenizer(model_of(ABAAB_PROBS), seed=5)
    noise = Tokenizer(model_of(ABAAB_PROBS), seed=6)
    got = []
    for _ in range(50):
        got.append(second.tokenize("abaab", alpha=0.0))
        noise.tokenize("abaab", alpha=0.0)
    assert got == expected

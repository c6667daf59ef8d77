import math
import random

import pytest

from demos import inject
from demos import segmentations as seg
from demos.errors import DemoError
from demos.segmentations import (
    DEFAULT_VOCAB,
    enumerate_segmentations,
    log_partition,
    parse_vocab,
    tokenizer_model,
    viterbi,
)
from tokenizer import Tokenizer

TIE_VOCAB = {"x": 1 / 3, "xy": 1 / 3, "xyz": 1 / 27, "yz": 1 / 9, "z": 1 / 9}
segmentations = inject(seg.segmentations, tokenizer_factory=Tokenizer)


def by_text(result):
    return {row.text: row for row in result.rows}


def test_reference_vocabulary_has_fourteen_segmentations_and_the_viterbi_best():
    result = segmentations(text="abaab", alpha=1, samples=1000)
    assert result.count == 14 == len(result.rows)
    assert result.best == "ab|aab"
    assert result.best_log_prob == pytest.approx(math.log(0.009), abs=1e-9)
    assert result.best_log_prob == pytest.approx(-4.7105, abs=1e-4)


def test_exact_probabilities_at_alpha_one():
    rows = by_text(segmentations(text="abaab", alpha=1, samples=1000))
    expected = {
        "ab|aab": 0.16547,
        "aba|ab": 0.13789,
        "ab|a|ab": 0.12410,
        "abaa|b": 0.11031,
        "a|ba|ab": 0.08274,
        "a|b|aa|b": 0.01765,
    }
    for text, probability in expected.items():
        assert rows[text].probability == pytest.approx(probability, abs=5e-6)
    assert min(r.probability for r in rows.values()) == rows["a|b|aa|b"].probability
    assert math.fsum(r.probability for r in rows.values()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(("alpha", "log_z"), [(0, 2.639057), (1, -2.911575), (3, -13.166214)])
def test_log_partition_by_dynamic_programming_equals_brute_force(alpha, log_z):
    result = segmentations(text="abaab", alpha=alpha, samples=10)
    assert result.log_z_dp == pytest.approx(result.log_z_brute, abs=1e-9)
    assert result.log_z_dp == pytest.approx(log_z, abs=1e-6)
    if alpha == 0:
        assert result.log_z_dp == pytest.approx(math.log(14), abs=1e-12)


@pytest.mark.parametrize("alpha", [0, 1, 3])
def test_perfect_sampler_frequencies_match_the_exact_distribution(alpha):
    result = segmentations(text="abaab", alpha=alpha, samples=100_000, seed=0)
    assert result.algorithm == "perfect"
    assert sum(row.count for row in result.rows) == 100_000
    assert result.tv_distance < 0.015
    assert result.chi_square_p > 1e-3


def test_alpha_zero_is_uniform_and_large_alpha_is_the_argmax():
    uniform = segmentations(text="abaab", alpha=0, samples=100_000, seed=1)
    for row in uniform.rows:
        assert row.probability == pytest.approx(1 / 14)
        assert row.frequency == pytest.approx(1 / 14, abs=0.005)
    greedy = segmentations(text="abaab", alpha=50, samples=100_000, seed=1)
    assert greedy.rows[0].text == "ab|aab"
    assert greedy.rows[0].frequency >= 0.999


@pytest.mark.parametrize("engine", [None, "numpy"])
def test_three_tied_paths_are_sampled_evenly_by_the_perfect_sampler(engine):
    result = segmentations(text="xyz", alpha=1, vocab=TIE_VOCAB, samples=100_000, engine=engine)
    assert result.count == 3
    for row in result.rows:
        assert row.probability == pytest.approx(1 / 3, abs=1e-12)
        assert row.frequency == pytest.approx(1 / 3, abs=0.01)


def test_sigmoid_sampler_dilutes_early_arrivals():
    result = segmentations(
        text="xyz", alpha=1, vocab=TIE_VOCAB, algorithm="sigmoid", samples=100_000
    )
    rows = by_text(result)
    assert rows["xyz"].frequency == pytest.approx(0.25, abs=0.015)
    assert rows["x|yz"].frequency == pytest.approx(0.25, abs=0.015)
    assert rows["xy|z"].frequency == pytest.approx(0.50, abs=0.015)
    assert result.chi_square_p < 1e-6


def test_the_tokenizer_samples_when_it_can_represent_the_vocabulary():
    tie = segmentations(text="xyz", alpha=1, vocab=TIE_VOCAB, samples=50_000)
    assert tie.engine == "tokenizer"
    assert tie.tv_distance < 0.01
    # The reference vocabulary sums to 1.01: no unigram model has these probabilities.
    assert segmentations(text="abaab", samples=100).engine == "numpy"
    with pytest.raises(DemoError, match="at most 1"):
        segmentations(text="abaab", samples=100, engine="tokenizer")


def test_tokenizer_model_reproduces_the_probabilities():
    from tokenizer import load_vocabulary

    pieces = parse_vocab(TIE_VOCAB)
    log_probs = load_vocabulary(tokenizer_model(pieces)).log_probs()
    for piece, probability in pieces.items():
        assert log_probs[piece] == pytest.approx(math.log(probability), abs=1e-12)


def test_tokenizer_engine_matches_exact_probabilities_on_a_skewed_vocabulary():
    vocab = {k: v / 1.01 for k, v in DEFAULT_VOCAB.items()}
    result = segmentations(text="abaab", alpha=1, vocab=vocab, samples=100_000, engine="tokenizer")
    assert result.engine == "tokenizer"
    assert result.tv_distance < 0.015
    assert result.chi_square_p > 1e-3


def test_nbest_samples_only_the_n_most_probable():
    result = segmentations(text="abaab", alpha=1, algorithm="nbest", nbest=3, samples=30_000)
    top = result.rows[:3]
    assert [row.text for row in top] == ["ab|aab", "aba|ab", "ab|a|ab"]
    assert math.fsum(row.target for row in top) == pytest.approx(1.0)
    assert top[0].target == pytest.approx(0.16547 / (0.16547 + 0.13789 + 0.12410), abs=1e-4)
    assert all(row.count == 0 and row.target == 0 for row in result.rows[3:])
    assert result.tv_distance < 0.015


def test_fixed_seed_gives_identical_results():
    first = segmentations(text="abaab", alpha=1, samples=5000, seed=11)
    assert segmentations(text="abaab", alpha=1, samples=5000, seed=11) == first
    other = segmentations(text="abaab", alpha=1, samples=5000, seed=12)
    assert [r.count for r in other.rows] != [r.count for r in first.rows]


def test_multibyte_text_is_segmented_on_pieces_of_the_vocabulary():
    result = segmentations(
        text="今天天气", vocab="今:0.2,天:0.2,今天:0.1,天气:0.1,气:0.1", samples=2000
    )
    assert {row.text for row in result.rows} == {
        "今|天|天|气",
        "今天|天|气",
        "今|天|天气",
        "今天|天气",
    }


def test_dynamic_programs_agree_with_enumeration_on_random_strings():
    rng = random.Random(5)
    scores = {p.encode(): math.log(v) for p, v in DEFAULT_VOCAB.items()}
    for _ in range(200):
        data = "".join(rng.choice("ab") for _ in range(rng.randint(1, 10))).encode()
        found = enumerate_segmentations(data, scores)
        totals = [sum(scores[p] for p in s) for s in found]
        assert len({tuple(s) for s in found}) == len(found)
        assert all(b"".join(s) == data for s in found)
        best, pieces = viterbi(data, scores)
        assert best == pytest.approx(max(totals), abs=1e-9)
        assert sum(scores[p] for p in pieces) == pytest.approx(best, abs=1e-12)
        for alpha in (0.0, 0.7, 2.0):
            brute = math.log(math.fsum(math.exp(alpha * t) for t in totals))
            assert log_partition(data, scores, alpha) == pytest.approx(brute, abs=1e-9)


def test_vocabulary_text_forms():
    assert parse_vocab("a:0.5, b:0.25") == {b"a": 0.5, b"b": 0.25}
    assert parse_vocab('{"a,b": 0.5, "c:": 0.1}') == {b"a,b": 0.5, b"c:": 0.1}
    assert parse_vocab("x::0.5") == {b"x:": 0.5}
    with pytest.raises(DemoError, match="twice"):
        parse_vocab("a:0.3,a:0.2")
    with pytest.raises(DemoError, match="twice"):
        parse_vocab({"\u00e9": 0.3, "e\u0301": 0.2})  # the same piece once NFC-normalised
    with pytest.raises(DemoError, match="piece:probability"):
        parse_vocab("a:0.3,,b:0.2")
    with pytest.raises(DemoError, match="cannot segment"):
        segmentations(text="abc", samples=10)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": ""},
        {"text": "abababababab" + "a"},
        {"text": 5},
        {"text": "abc"},
        {"alpha": -1},
        {"alpha": 1000},
        {"samples": 0},
        {"samples": 10**7},
        {"algorithm": "bpe-dropout"},
        {"nbest": 0},
        {"engine": "gpu"},
        {"engine": "tokenizer", "algorithm": "sigmoid", "vocab": TIE_VOCAB, "text": "xyz"},
        {"vocab": "a=0.3"},
        {"vocab": "a:2"},
        {"vocab": "a:0"},
        {"vocab": "{not json"},
        {"vocab": {}},
        {"vocab": [("a", 0.5)]},
        {"vocab": {"a" * 13: 0.5}},
    ],
)
def test_bad_parameters_raise_demo_error(kwargs):
    with pytest.raises(DemoError):
        segmentations(**{"samples": 100, **kwargs})


def test_without_a_tokenizer_factory_numpy_samples():
    bare = seg.segmentations(text="xyz", alpha=1, vocab=TIE_VOCAB, samples=2000)
    assert bare.engine == "numpy"
    assert bare == segmentations(text="xyz", alpha=1, vocab=TIE_VOCAB, samples=2000, engine="numpy")
    with pytest.raises(DemoError, match="tokenizer_factory"):
        seg.segmentations(text="xyz", vocab=TIE_VOCAB, samples=100, engine="tokenizer")

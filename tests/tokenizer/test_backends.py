"""Choosing the segmentation path, and the paths agreeing with each other."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenizer import NotSegmentable, Tokenizer
from tokenizer.backends import compiled_module, resolve_backend
from tokenizer.model import dump_model, load_vocabulary
from tokenizer.pure import PureSegmenter
from tokenizer.rng import SplitMix64

from .conftest import MODEL


def test_the_compiled_extension_is_built() -> None:
    assert compiled_module() is not None
    assert resolve_backend(None) in {"compiled", "python"}
    assert Tokenizer(MODEL).backend == "compiled"


def test_the_pure_path_is_chosen_by_name() -> None:
    assert Tokenizer(MODEL, backend="python").backend == "python"
    assert Tokenizer(MODEL, backend="auto").backend == "compiled"
    assert Tokenizer(MODEL, backend="compiled").backend == "compiled"


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tokenizer backend"):
        resolve_backend("rust")


def test_the_dict_matcher_finds_what_the_automaton_finds(golden_edge_cases: list[dict]) -> None:
    vocabulary = load_vocabulary(MODEL)
    log_probs = vocabulary.log_probs()
    automaton = PureSegmenter(vocabulary.ids, log_probs)
    scan = PureSegmenter(vocabulary.ids, log_probs, automaton=False)
    for row in golden_edge_cases:
        data = row["text"].encode()
        assert scan.ids(data, -1, SplitMix64(0)) == automaton.ids(data, -1, SplitMix64(0))
        assert scan.ids(data, 0.2, SplitMix64(4)) == automaton.ids(data, 0.2, SplitMix64(4))


@pytest.mark.parametrize("backend", ["compiled", "python"])
def test_text_outside_a_partial_vocabulary_is_an_error(backend: str) -> None:
    model = {"YQ==": [3, "a", 2], "Yg==": [4, "b", 1]}
    tokenizer = Tokenizer(model, backend=backend)
    assert tokenizer.tokenize("abba") == [b"a", b"b", b"b", b"a"]
    with pytest.raises(NotSegmentable):
        tokenizer.encode("abc")
    with pytest.raises(NotSegmentable):
        tokenizer.encode("abc", alpha=0.5)


@pytest.mark.parametrize("backend", ["compiled", "python"])
def test_segment_does_not_split_lines(backend: str) -> None:
    model = {
        "YQ==": [3, "a", 5],
        "Cg==": [4, "\n", 5],
        "Cgo=": [5, "\n\n", 1],
        "CmE=": [6, "\na", 9],
    }
    tokenizer = Tokenizer(model, backend=backend)
    # As text, lines are split after each run of newlines, so "\na" cannot be a piece.
    assert tokenizer.tokenize("a\na") == [b"a", b"\n", b"a"]
    assert tokenizer.segment(b"a\na") == [b"a", b"\na"]
    assert tokenizer.tokenize("a\n\na") == [b"a", b"\n", b"\n", b"a"]


pieces_strategy = st.dictionaries(
    st.binary(min_size=1, max_size=6).map(lambda b: bytes(b"abcde\n"[x % 6] for x in b)),
    st.integers(min_value=1, max_value=50),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    counts=pieces_strategy,
    text=st.text(alphabet="abcde\n", max_size=60),
    alpha=st.sampled_from([-1.0, 0.0, 0.3, 2.0]),
    seed=st.integers(min_value=0, max_value=2**64 - 1),
)
def test_compiled_and_pure_agree_on_any_vocabulary(
    counts: dict[bytes, int], text: str, alpha: float, seed: int
) -> None:
    counts = {**{bytes([c]): 1 for c in b"abcde\n"}, **counts}
    model = dump_model(counts)
    compiled = Tokenizer(model, seed=seed, backend="compiled")
    pure = Tokenizer(model, seed=seed, backend="python")
    got = compiled.encode_with_offsets(text, alpha=alpha)
    assert got == pure.encode_with_offsets(text, alpha=alpha)
    assert compiled.segment(text.encode(), alpha) == pure.segment(text.encode(), alpha)
    assert b"".join(got.pieces) == text.encode()

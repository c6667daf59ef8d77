"""Highlighting ASCII text with expressions finds what reading every word finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import Analyzer
from search.highlight import highlight_spans
from search.query import Field, parse_query

_ANALYZER = Analyzer()
_WORDS = ["transformer", "transformers", "Transform", "graph", "graphs", "GPT", "of", "the",
          "neural", "networks", "network", "x1", "attention", "attentive"]  # fmt: skip


def _every_word(text: str, query_text: str, field: Field) -> list[tuple[int, int]]:
    """The spans found by reading every word: the path of text that is not all ASCII, taken
    here by a no-break space at the end, which is no word and moves no span."""
    return highlight_spans(text + "\u00a0", parse_query(query_text), field, _ANALYZER)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30),
    st.lists(st.sampled_from([" ", ", ", "-", " (", ") ", ". "]), min_size=30, max_size=30),
    st.lists(st.sampled_from([*_WORDS, '"', "ti:"]), min_size=1, max_size=4),
)
def test_ascii_text_is_highlighted_as_word_by_word(words, separators, query_words) -> None:
    text = "".join(w + s for w, s in zip(words, separators, strict=False))
    query_text = " ".join(query_words)
    for field in (Field.TITLE, Field.ABSTRACT, Field.AUTHORS):
        expected = _every_word(text, query_text, field)
        assert highlight_spans(text, parse_query(query_text), field, _ANALYZER) == expected

"""Highlighting ASCII text with expressions finds what reading every word finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import Analyzer
from search.highlight import _phrase_spans, highlight_spans, merge_spans
from search.query import Field, parse_query
from search.text import words_with_spans

_ANALYZER = Analyzer()
_WORDS = ["transformer", "transformers", "Transform", "graph", "graphs", "GPT", "of", "the",
          "neural", "networks", "network", "x1", "attention", "attentive"]  # fmt: skip


def _every_word(text: str, query_text: str, field: Field) -> list[tuple[int, int]]:
    """The spans found by reading every word of the text (the general path)."""
    query = parse_query(query_text)
    terms = [t for t in query.positive_terms() if t.field in (Field.ANY, field)]
    if not text or not terms:
        return []
    found = list(words_with_spans(text))
    single = {t.words[0] for t in terms if not t.is_phrase}
    partial: set[str] = set()
    if field is not Field.AUTHORS:
        for word in single:
            if _ANALYZER.may_be_stem(word):
                partial.update(filter(None, (word, _ANALYZER.stem(word))))
    spans = [
        (w.start, w.end)
        for w in found
        if w.text in single
        or (
            _ANALYZER.may_be_stem(w.text)
            and (w.text in partial or _ANALYZER.stem(w.text) in partial)
        )
    ]
    for term in terms:
        if term.is_phrase:
            spans.extend(_phrase_spans(found, term.words))
    return merge_spans(spans)


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

"""Highlighting ASCII text marks what a plain word-by-word reading of the query marks."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import Analyzer
from search.highlight import highlight_spans
from search.query import Field, Query, parse_query

_ANALYZER = Analyzer()
_WORDS = [
    "transformer", "transformers", "Transform", "graph", "graphs", "GPT", "of", "the",
    "neural", "networks", "network", "x1", "attention", "attentive",
    # words that hold others: a match starting inside them is not a word's
    "proof", "bathe", "subgraph", "xattention",
]  # fmt: skip  # a word list reads better in rows than one word a line


def _reference(text: str, query: Query, field: Field) -> list[tuple[int, int]]:
    """The spans to mark, found the slow and obvious way: cut the text into words, mark each
    word that is a query word or shares a query word's stem, and each run of words that
    spells a phrase, then join the spans that overlap."""
    words = [(m.group().lower(), m.start(), m.end()) for m in re.finditer("[A-Za-z0-9]+", text)]
    terms = [t for t in query.positive_terms() if t.field in (Field.ANY, field)]
    single = {t.words[0] for t in terms if not t.is_phrase}
    stems: set[str] = set()
    if field is not Field.AUTHORS:
        for word in single:
            if _ANALYZER.may_be_stem(word):
                stems |= {word, _ANALYZER.stem(word)} - {""}
    spans = []
    for word, start, end in words:
        shares_a_stem = _ANALYZER.may_be_stem(word) and (
            word in stems or _ANALYZER.stem(word) in stems
        )
        if word in single or shares_a_stem:
            spans.append((start, end))
    for phrase in (t.words for t in terms if t.is_phrase):
        for i in range(len(words) - len(phrase) + 1):
            run = words[i : i + len(phrase)]
            if tuple(w for w, _, _ in run) == phrase:
                spans.append((run[0][1], run[-1][2]))
    joined: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def test_the_reference_marks_words_stems_and_phrases() -> None:
    text = "Graph networks of graphs, the neural network."
    query = parse_query('graph "neural network"')
    marked = [text[s:e] for s, e in _reference(text, query, Field.ABSTRACT)]
    assert marked == ["Graph", "graphs", "neural network"]
    marked = [text[s:e] for s, e in _reference(text, query, Field.AUTHORS)]
    assert marked == ["Graph", "neural network"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30),
    st.lists(st.sampled_from([" ", ", ", "-", " (", ") ", ". "]), min_size=30, max_size=30),
    st.lists(st.sampled_from([*_WORDS, '"', "ti:"]), min_size=1, max_size=4),
)
def test_ascii_text_is_highlighted_as_word_by_word(words, separators, query_words) -> None:
    text = "".join(w + s for w, s in zip(words, separators, strict=False))
    query = parse_query(" ".join(query_words))
    for field in (Field.TITLE, Field.ABSTRACT, Field.AUTHORS):
        expected = _reference(text, query, field)
        assert highlight_spans(text, query, field, _ANALYZER) == expected
        # Text that is not all ASCII (a no-break space at the end: no word, no span moved)
        # takes the other path, which must mark the same.
        assert highlight_spans(text + "\u00a0", query, field, _ANALYZER) == expected


def test_ascii_text_is_marked_whatever_its_case_and_by_whole_words() -> None:
    text = (
        "GRAPH Networks: graph networks2, Graphs of X1s, X12; "
        "the NEURAL NETWORK and neural networks."
    )
    query = parse_query('graph x1 "neural network" "graph networks"')
    expected = _reference(text, query, Field.ABSTRACT)
    marked = [text[s:e] for s, e in expected]
    assert marked == ["GRAPH Networks", "graph", "Graphs", "NEURAL NETWORK"]
    assert highlight_spans(text, query, Field.ABSTRACT, _ANALYZER) == expected


def test_a_match_inside_a_word_does_not_hide_one_starting_after_it() -> None:
    """A phrase found from inside a word ("ba|the the") is not taken, and the search goes on
    from the next character, where the phrase starts a word."""
    text = "Bathe the the proof of the subgraph graph."
    query = parse_query('"the the" "of the" graph')
    expected = _reference(text, query, Field.ABSTRACT)
    assert [text[s:e] for s, e in expected] == ["the the", "of the", "graph"]
    assert highlight_spans(text, query, Field.ABSTRACT, _ANALYZER) == expected

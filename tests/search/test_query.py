"""The query language: what each form means, and that no input is an error."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import Analyzer
from search.fts5 import COLUMNS, match_expression
from search.query import MAX_TERMS, Clause, Field, Query, Term, parse_query


def test_plain_words_are_clauses_that_must_all_match() -> None:
    query = parse_query("Graph  NEURAL networks")
    assert query.clauses == (
        Clause((Term(("graph",)),)),
        Clause((Term(("neural",)),)),
        Clause((Term(("networks",)),)),
    )
    assert not query.excluded and not query.has_filters


def test_quotes_make_a_phrase_and_punctuation_inside_a_word_too() -> None:
    query = parse_query('"Neural  Network" GPT-4')
    assert query.clauses == (
        Clause((Term(("neural", "network"), quoted=True),)),
        Clause((Term(("gpt", "4")),)),
    )
    assert all(t.is_phrase for t in query.positive_terms())


def test_minus_excludes_words_and_phrases() -> None:
    query = parse_query('graph -neural -"deep learning" - x')
    assert query.clauses == (Clause((Term(("graph",)),)), Clause((Term(("x",)),)))
    assert query.excluded == (Term(("neural",)), Term(("deep", "learning"), quoted=True))


def test_or_joins_its_neighbours_and_binds_tighter_than_and() -> None:
    query = parse_query("quantum graph OR network OR lattice")
    assert query.clauses == (
        Clause((Term(("quantum",)),)),
        Clause((Term(("graph",)), Term(("network",)), Term(("lattice",)))),
    )


@pytest.mark.parametrize("text", ["OR graph", "graph OR", "graph OR -x", "a OR OR b"])
def test_a_stray_or_is_the_word_or(text: str) -> None:
    words = [t.words for t in parse_query(text).positive_terms()]
    assert ("or",) in words


def test_field_prefixes() -> None:
    query = parse_query('ti:graph abs:"neural network" au:Lovelace title:x author:y abstract:z')
    assert [(t.words, t.field) for t in query.positive_terms()] == [
        (("graph",), Field.TITLE),
        (("neural", "network"), Field.ABSTRACT),
        (("lovelace",), Field.AUTHORS),
        (("x",), Field.TITLE),
        (("y",), Field.AUTHORS),
        (("z",), Field.ABSTRACT),
    ]


def test_categories_and_dates_are_filters() -> None:
    query = parse_query("graph cat:cs.CL cat:math -cat:cs.LG from:2024-03 until:2024")
    assert query.categories == ("cs.CL", "math")
    assert query.excluded_categories == ("cs.LG",)
    assert query.date_from == dt.date(2024, 3, 1)
    assert query.date_until == dt.date(2024, 12, 31)
    assert [t.words for t in query.positive_terms()] == [("graph",)]
    assert parse_query("until:2024-02").date_until == dt.date(2024, 2, 29)
    assert parse_query("from:2024-02-03").date_from == dt.date(2024, 2, 3)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("from:yesterday", [("from", "yesterday")]),
        ("until:2024-13-40", [("until", "2024", "13", "40")]),
        ("cat:c++", [("cat", "c")]),
        ("foo:bar", [("foo", "bar")]),
        ('"unclosed phrase', [("unclosed",), ("phrase",)]),
        ("NEAR(a b) AND {title}: x*", [("near", "a"), ("b",), ("title",), ("x",)]),
    ],
)
def test_anything_else_is_words(text: str, words: list[tuple[str, ...]]) -> None:
    assert [t.words for t in parse_query(text).positive_terms()] == words


def test_nothing_to_look_for() -> None:
    assert parse_query("").is_empty
    assert parse_query(' - "" ?! ').is_empty
    assert not parse_query("-graph").has_text


def test_very_long_input_is_cut() -> None:
    query = parse_query("word " * 5000)
    assert len(query.positive_terms()) == 1  # the same word once
    query = parse_query(" ".join(f"w{i}" for i in range(1000)))
    assert len(query.positive_terms()) == MAX_TERMS


def _fts5() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({', '.join(COLUMNS)}, tokenize='ascii')"
    )
    connection.execute(
        "INSERT INTO search_fts VALUES ('graph neural', 'a b c', 'ada', 'graph', 'neural')"
    )
    return connection


_ANALYZER = Analyzer()
_CONNECTION = _fts5()
_QUOTED_TERMS = re.compile(r'"(?:[^"]|"")*"')


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_text_parses_into_a_match_expression_that_fts5_accepts(text: str) -> None:
    query = parse_query(text)
    expression = match_expression(query, _ANALYZER)
    if expression is None:
        assert not query.clauses
        return
    # The user's text only ever appears inside quoted strings.
    syntax = _QUOTED_TERMS.sub("", expression)
    assert set(re.findall(r"[A-Za-z_]+", syntax)) <= {"AND", "OR", "NOT", *COLUMNS}
    _CONNECTION.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (expression,))


@given(st.lists(st.sampled_from(['"', "-", "OR", ":", "ti:", "cat:", "(", "*", "^", " ", "x"])))
def test_operator_soup_never_fails(parts: list[str]) -> None:
    query = parse_query("".join(parts))
    assert isinstance(query, Query)
    expression = match_expression(query, _ANALYZER)
    if expression is not None:
        _CONNECTION.execute("SELECT 1 FROM search_fts WHERE search_fts MATCH ?", (expression,))

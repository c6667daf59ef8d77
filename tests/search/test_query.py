"""The query language: what each form means, and that no input is an error."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.documents import PaperText
from search.plan import plan_query
from search.query import MAX_TERMS, Clause, Field, Query, Term, parse_category, parse_query
from tests.search.memory_index import MemoryIndex


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


_INDEX = MemoryIndex(
    [
        PaperText("1", "Graph neural networks", "A b c: graphs of graphs.", ("Ada Lovelace",)),
        PaperText("2", "Neural fields", "Quantum OR classical; x y z.", ("Grace Hopper",)),
    ]
)


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_text_parses_into_a_plan_of_its_own_words(text: str) -> None:
    query = parse_query(text)
    plan = plan_query(query, _INDEX.analyzer)
    if plan is None:
        assert not query.clauses
        return
    # The plan looks up the query's words and their stems, nothing else.
    written = {w for t in [*query.positive_terms(), *query.excluded] for w in t.words}
    stems = {_INDEX.analyzer.stem(w) for w in written}
    assert plan.terms() <= written | stems
    ranking = _INDEX.search(text)
    assert ranking is not None and ranking.count >= len(ranking.docids)


@given(st.lists(st.sampled_from(['"', "-", "OR", ":", "ti:", "cat:", "(", "*", "^", " ", "x"])))
def test_operator_soup_never_fails(parts: list[str]) -> None:
    query = parse_query("".join(parts))
    assert isinstance(query, Query)
    _INDEX.search("".join(parts))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("cs.AI", "cs.AI"),
        ("hep-th", "hep-th"),
        ("math", "math"),
        ("cond-mat.mes-hall", "cond-mat.mes-hall"),
        ("CS.ai", "CS.ai"),
        ("cs.*", "cs"),
        ("astro-ph.*", "astro-ph"),
    ],
)
def test_a_category_has_the_shape_of_arxivs(text: str, category: str) -> None:
    assert parse_category(text) == category
    assert parse_query(f"cat:{text}").categories == (category,)


@pytest.mark.parametrize(
    "text", ["c++", "cs.AI.x", "a-b-c", "cs.", ".AI", "cs..AI", "1cs", "cs.A1", "*", "x" * 40]
)
def test_anything_else_is_no_category(text: str) -> None:
    assert parse_category(text) is None
    assert not parse_query(f"cat:{text}").categories


def letters(number: int) -> str:
    """A name of letters only, different for each number."""
    name = ""
    while True:
        name += "abcdefghijklmnopqrstuvwxyz"[number % 26]
        number //= 26
        if not number:
            return name


def test_category_filters_count_as_terms() -> None:
    text = " ".join(f"cat:x{letters(i)} -cat:y{letters(i)}" for i in range(300))
    query = parse_query(f"{text} graph")
    assert len(query.categories) + len(query.excluded_categories) == MAX_TERMS
    assert query.categories[:2] == ("xa", "xb") and query.excluded_categories[0] == "ya"
    assert not query.clauses  # the word came after the limit
    query = parse_query("graph " + text)
    assert len(query.clauses) + len(query.categories) + len(query.excluded_categories) == MAX_TERMS
    assert parse_query("cat:cs cat:cs.* cat:cs").categories == ("cs",)  # once, counted once

"""A query plan as an SQLite FTS5 MATCH expression (pure: builds the string, runs nothing).

User text never reaches the expression as syntax: every term is a double-quoted FTS5 string
of index terms made by ``search.analysis`` (quotes doubled, though terms never hold one).
"""

from __future__ import annotations

from dataclasses import replace

from search.analysis import Analyzer
from search.query import Field, Query, Term

WORD_COLUMNS = ("title", "abstract", "authors")
STEM_COLUMNS = ("title_stems", "abstract_stems")
COLUMNS = (*WORD_COLUMNS, *STEM_COLUMNS)

# BM25 weight of each column, in COLUMNS order: title above abstract above authors; the stems
# add a little to the words they repeat and rank the longer variants of a word below it.
WEIGHTS = (10.0, 4.0, 2.0, 1.0, 0.5)

_WORD_COLUMNS_OF = {
    Field.ANY: WORD_COLUMNS,
    Field.TITLE: ("title",),
    Field.ABSTRACT: ("abstract",),
    Field.AUTHORS: ("authors",),
}
_STEM_COLUMNS_OF = {
    Field.ANY: STEM_COLUMNS,
    Field.TITLE: ("title_stems",),
    Field.ABSTRACT: ("abstract_stems",),
    Field.AUTHORS: (),
}


def quote(terms: str) -> str:
    return '"' + terms.replace('"', '""') + '"'


def _filtered(columns: tuple[str, ...], terms: str) -> str:
    return "{" + " ".join(columns) + "} : " + quote(terms)


def term_expression(term: Term, analyzer: Analyzer, *, partial: bool = True) -> str:
    """The words of ``term`` in its field; a single word, with ``partial``, also among the
    stems: the longer words whose stem it is, and the words sharing its own stem
    (see ``search.analysis``)."""
    exact = _filtered(_WORD_COLUMNS_OF[term.field], " ".join(term.words))
    stem_columns = _STEM_COLUMNS_OF[term.field]
    word = term.words[0]
    if not partial or term.is_phrase or not stem_columns or not analyzer.may_be_stem(word):
        return exact
    alternatives = [exact, _filtered(stem_columns, word)]
    stem = analyzer.stem(word)
    if stem:
        alternatives.append(_filtered(stem_columns, stem))
    return "(" + " OR ".join(alternatives) + ")"


def _any_of(expressions: list[str]) -> str:
    return expressions[0] if len(expressions) == 1 else "(" + " OR ".join(expressions) + ")"


def match_expression(query: Query, analyzer: Analyzer) -> str | None:
    """What the papers must match: every clause, none of the excluded terms (None: no words)."""
    if not query.clauses:
        return None
    clauses = [_any_of([term_expression(t, analyzer) for t in c.terms]) for c in query.clauses]
    expression = " AND ".join(clauses)
    excluded = exclusion_expression(query)
    if excluded is not None:
        expression = f"({expression}) NOT {excluded}"
    return expression


def exclusion_expression(query: Query) -> str | None:
    """What the excluded terms match, as exact words (a left-out word keeps its variants)."""
    if not query.excluded:
        return None
    return _any_of(
        [_filtered(_WORD_COLUMNS_OF[t.field], " ".join(t.words)) for t in query.excluded]
    )


def title_tiers(query: Query, analyzer: Analyzer) -> tuple[str, str] | None:
    """The query's matches split in two: those with one of its terms in the title, which rank
    first since the title weighs most, and the others (None: no words); used to rank a very
    broad query."""
    expression = match_expression(query, analyzer)
    in_title = [
        term_expression(replace(t, field=Field.TITLE), analyzer)
        for t in query.positive_terms()
        if t.field in (Field.ANY, Field.TITLE)
    ]
    if expression is None or not in_title:
        return None
    title = _any_of(in_title)
    return f"({expression}) AND {title}", f"({expression}) NOT {title}"

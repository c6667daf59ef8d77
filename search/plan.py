"""A parsed query as posting lists to combine (pure: no database, no index bytes).

Each term of the query becomes one or more ``Alternative``s, any of which matches: a term's
posting list read with weights per field (title, abstract, authors, title stems, abstract
stems, body; a field outside the term's field weighs 0), or a phrase of words in order. A plain
word of at least four characters is looked for as a word and among the stems, and its own
stem among the stems, so that its variants are found and rank below it (``search.analysis``).
"""

from __future__ import annotations

from dataclasses import dataclass

from search.analysis import Analyzer
from search.query import Field, Query, Term

Weights = tuple[float, float, float, float, float, float]

# BM25 weight of each field: title above abstract above authors; the stems add a little to
# the words they repeat and rank the longer variants of a word below it. The body (the full
# text, its frequency damped to 1 + log2(count) by the kernel) weighs least: a word all
# through a paper scores below that word once in its abstract.
TITLE, ABSTRACT, AUTHORS, TITLE_STEMS, ABSTRACT_STEMS = 10.0, 4.0, 2.0, 1.0, 0.5
BODY = 0.5

_WORDS: dict[Field, Weights] = {
    Field.ANY: (TITLE, ABSTRACT, AUTHORS, 0.0, 0.0, BODY),
    Field.TITLE: (TITLE, 0.0, 0.0, 0.0, 0.0, 0.0),
    Field.ABSTRACT: (0.0, ABSTRACT, 0.0, 0.0, 0.0, 0.0),
    Field.AUTHORS: (0.0, 0.0, AUTHORS, 0.0, 0.0, 0.0),
}
_STEMS: dict[Field, Weights] = {
    Field.ANY: (0.0, 0.0, 0.0, TITLE_STEMS, ABSTRACT_STEMS, 0.0),
    Field.TITLE: (0.0, 0.0, 0.0, TITLE_STEMS, 0.0, 0.0),
    Field.ABSTRACT: (0.0, 0.0, 0.0, 0.0, ABSTRACT_STEMS, 0.0),
    Field.AUTHORS: (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
}
# The word fields a phrase may lie in, as bits (title 1, abstract 2, authors 4).
_PHRASE_FIELDS = {Field.ANY: 0b111, Field.TITLE: 0b001, Field.ABSTRACT: 0b010, Field.AUTHORS: 0b100}


@dataclass(frozen=True, slots=True)
class Alternative:
    """A posting list (``words`` of one term) or a phrase (several words in order)."""

    words: tuple[str, ...]
    weights: Weights
    phrase_fields: int = 0  # non-zero: a phrase, in these word fields

    @property
    def is_phrase(self) -> bool:
        return self.phrase_fields != 0


@dataclass(frozen=True, slots=True)
class Plan:
    """Every clause must match (one of its alternatives), no excluded alternative may."""

    clauses: tuple[tuple[Alternative, ...], ...]
    excluded: tuple[Alternative, ...] = ()

    def terms(self) -> set[str]:
        found = set()
        for alternative in [a for c in self.clauses for a in c] + list(self.excluded):
            found.update(alternative.words)
        return found

    def phrase_terms(self) -> set[str]:
        found = set()
        for alternative in [a for c in self.clauses for a in c] + list(self.excluded):
            if alternative.is_phrase:
                found.update(alternative.words)
        return found


def _add(weights: Weights, other: Weights) -> Weights:
    a, b, c, d, e, f = (x + y for x, y in zip(weights, other, strict=True))
    return (a, b, c, d, e, f)


def alternatives(term: Term, analyzer: Analyzer, *, partial: bool = True) -> list[Alternative]:
    """What ``term`` matches: a phrase, or a word and, with ``partial``, its variants."""
    if term.is_phrase and len(term.words) > 1:
        return [Alternative(term.words, _WORDS[term.field], _PHRASE_FIELDS[term.field])]
    word = term.words[0]
    words = _WORDS[term.field]
    if not partial or term.quoted or not analyzer.may_be_stem(word):
        return [Alternative((word,), words)]
    stems = _STEMS[term.field]
    found = [Alternative((word,), _add(words, stems))]
    stem = analyzer.stem(word)
    if stem and stem != word and any(stems):
        found.append(Alternative((stem,), stems))
    return found


def plan_query(query: Query, analyzer: Analyzer) -> Plan | None:
    """The plan of the query's words (None: it has none)."""
    if not query.clauses:
        return None
    clauses = tuple(
        tuple(a for t in clause.terms for a in alternatives(t, analyzer))
        for clause in query.clauses
    )
    excluded = tuple(a for t in query.excluded for a in alternatives(t, analyzer, partial=False))
    return Plan(clauses, excluded)

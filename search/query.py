"""The query language, parsed into a plan (pure: no database, no index syntax).

- plain words: every one must match (a word matches itself, and, with at least four
  characters, its variants that share its BytePiece stem, ranked lower: see
  ``search.analysis``);
- ``"exact phrase"``: the words in this order, next to each other (a quoted single word: that
  word only, without its variants);
- ``-word``, ``-"a phrase"``: papers with it are left out;
- ``a OR b``: either (binds tighter than the implicit AND: ``x a OR b`` is ``x AND (a OR b)``);
- ``ti:``, ``abs:``, ``au:`` (also ``title:``, ``abstract:``, ``author:``) before a word or a
  phrase: only in that field;
- ``cat:cs.CL`` (``cat:cs`` or ``cat:cs.*`` for a whole archive; ``-cat:`` leaves one out),
  ``from:2024-01-01``, ``until:2024-12`` (a year, a month or a day; both ends included);
- ``venue:ACL.2017`` (``-venue:`` leaves one out) and
  ``branch:venue`` or ``branch:arxiv``: a venue paper's one category is ``venue.<NAME>.<YEAR>``,
  so these are category filters.
- ``has:code``: only papers with a link to their code or artefacts stored (found in their
  abstract, comments or full text).

Anything else is words: an unclosed quote, a stray ``OR`` or ``-``, index syntax, punctuation.
A word written with punctuation inside (``GPT-4``, ``self-attention``) is the phrase of its parts.
Very long input is cut at ``MAX_QUERY_CHARS`` characters and ``MAX_TERMS`` terms (a ``cat:``
filter counts as a term). A category has the shape of arXiv's (``cs.AI``, ``hep-th``,
``cond-mat.mes-hall``): anything else after ``cat:`` is words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
from dataclasses import dataclass, field

from search.text import words

MAX_QUERY_CHARS = 2000
MAX_TERMS = 32
MAX_PHRASE_WORDS = 32
MAX_CATEGORY_CHARS = 32
# Categories a search may be given besides its query (the query's count against MAX_TERMS).
MAX_CATEGORIES = 32


class Field(enum.StrEnum):
    ANY = "any"
    TITLE = "title"
    ABSTRACT = "abstract"
    AUTHORS = "authors"


FIELD_PREFIXES = {
    "ti": Field.TITLE,
    "title": Field.TITLE,
    "abs": Field.ABSTRACT,
    "abstract": Field.ABSTRACT,
    "au": Field.AUTHORS,
    "author": Field.AUTHORS,
}
FILTER_PREFIXES = {"cat", "category", "from", "until", "venue", "branch", "has"}
HAS_VALUES = {"code"}
# Venue papers' category codes start with this (see ``venues.names``); ``venue`` alone, as an
# archive, is every venue.
VENUE_ARCHIVE = "venue"
_VENUE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,30}\.\d{4}", re.ASCII)

_PREFIX = re.compile(r"([A-Za-z]+):(?=\S)")
# An archive (``cs``, ``hep-th``), then maybe a subject class (``.AI``, ``.mes-hall``) or ``.*``.
# A category (cs.CL, cond-mat.mes-hall) or archive (cs, hep-th; cs.* is cs): arXiv's longest
# names fit these bounds, which keep every one within MAX_CATEGORY_CHARS. The API describes
# its category parameter with the same pattern.
CATEGORY_PATTERN = r"([A-Za-z]{1,8}(?:-[A-Za-z]{1,8})?)(\.(?:[A-Za-z]{1,6}(?:-[A-Za-z]{1,6})?|\*))?"
_CATEGORY = re.compile(CATEGORY_PATTERN)
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True, slots=True)
class Term:
    """Folded words to find in a field: one word, or a phrase of several in order."""

    words: tuple[str, ...]
    field: Field = Field.ANY
    quoted: bool = False

    @property
    def is_phrase(self) -> bool:
        return self.quoted or len(self.words) > 1


@dataclass(frozen=True, slots=True)
class Clause:
    """Terms of which at least one must match."""

    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: every clause must match, no excluded term may, and the filters hold."""

    clauses: tuple[Clause, ...] = ()
    excluded: tuple[Term, ...] = ()
    categories: tuple[str, ...] = ()
    excluded_categories: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    has_code: bool = False

    @property
    def has_text(self) -> bool:
        return bool(self.clauses)

    @property
    def has_filters(self) -> bool:
        return bool(
            self.excluded_categories
            or self.categories
            or self.date_from is not None
            or self.date_until is not None
            or self.has_code
        )

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: neither words nor filters (exclusions alone select nothing)."""
        return not (self.has_text or self.has_filters)

    def positive_terms(self) -> list[Term]:
        return [term for clause in self.clauses for term in clause.terms]


def parse_date(text: str, *, end: bool = False) -> dt.date | None:
    """``2024``, ``2024-03`` or ``2024-03-09`` as the first (or, with ``end``, last) day."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        if month is None:
            return dt.date(int(year), 12, 31) if end else dt.date(int(year), 1, 1)
        if day is None:
            last = calendar.monthrange(int(year), int(month))[1]
            return dt.date(int(year), int(month), last if end else 1)
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_category(text: str) -> str | None:
    """A category (``cs.CL``) or archive (``cs``, ``hep-th``; ``cs.*`` is ``cs``) as written,
    or None."""
    text = text.strip()
    match = _CATEGORY.fullmatch(text) if len(text) <= MAX_CATEGORY_CHARS else None
    if match is None:
        return None
    return match.group(1) if match.group(2) == ".*" else text


@dataclass(slots=True)
class _Item:
    """One lexed piece of the query: a term, an OR, or a filter."""

    kind: str  # "term", "or", "filter"
    term: Term | None = None
    negated: bool = False
    name: str = ""
    value: str = ""


@dataclass(slots=True)
class _Builder:
    clauses: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    excluded_categories: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    has_code: bool = False
    terms: int = 0

    def add_category(self, category: str, *, negated: bool) -> None:
        target = self.excluded_categories if negated else self.categories
        if category in target or self.terms >= MAX_TERMS:
            return
        self.terms += 1
        target.append(category)

    def add_term(self, term: Term, *, negated: bool, joined: bool) -> None:
        repeated = term in self.excluded if negated else not joined and [term] in self.clauses
        if repeated or self.terms >= MAX_TERMS:
            return
        self.terms += 1
        if negated:
            self.excluded.append(term)
        elif joined and self.clauses:
            self.clauses[-1].append(term)
        else:
            self.clauses.append([term])

    def query(self) -> Query:
        return Query(
            clauses=tuple(dict.fromkeys(Clause(tuple(dict.fromkeys(c))) for c in self.clauses)),
            excluded=tuple(dict.fromkeys(self.excluded)),
            categories=tuple(dict.fromkeys(self.categories)),
            excluded_categories=tuple(dict.fromkeys(self.excluded_categories)),
            date_from=self.date_from,
            date_until=self.date_until,
            has_code=self.has_code,
        )


def _term(text: str, field: Field, quoted: bool) -> Term | None:
    found = tuple(words(text))[:MAX_PHRASE_WORDS]
    return Term(found, field, quoted) if found else None


def _lex(text: str) -> list[_Item]:
    items: list[_Item] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        prefix = _PREFIX.match(text, i)
        name = prefix.group(1).lower() if prefix else ""
        if prefix is not None and (name in FIELD_PREFIXES or name in FILTER_PREFIXES):
            i = prefix.end()
        else:
            name = ""
        if text.startswith('"', i):
            close = text.find('"', i + 1)
            if close > i:
                quoted, i = text[i + 1 : close], close + 1
                items.append(_phrase_item(quoted, name, negated))
                continue
            # An unclosed quote: the rest is plain words.
            text = text[:i] + " " + text[i + 1 :]
        end = i
        while end < n and not text[end].isspace():
            end += 1
        atom, i = text[i:end], end
        if atom == "OR" and not negated and not name:
            items.append(_Item("or"))
        elif atom == "AND" and not negated and not name:
            continue
        elif name in FILTER_PREFIXES:
            items.append(_Item("filter", negated=negated, name=name, value=atom))
            if not _filter_value_ok(name, atom, negated):
                items[-1] = _word_item(text[start:end], "", False)
        else:
            items.append(_word_item(atom, name, negated))
    return items


def _filter_value_ok(name: str, value: str, negated: bool) -> bool:
    if name in ("cat", "category"):
        return parse_category(value) is not None
    if name == "venue":
        return _VENUE.fullmatch(value) is not None
    if name == "branch":
        return value.lower() in ("venue", "arxiv")
    if name == "has":
        return not negated and value.lower() in HAS_VALUES
    return not negated and parse_date(value) is not None


def _phrase_item(text: str, name: str, negated: bool) -> _Item:
    if name in FILTER_PREFIXES:  # cat:"x y" and the like: words
        return _Item("term", _term(f"{name} {text}", Field.ANY, True), negated=negated)
    return _Item("term", _term(text, FIELD_PREFIXES.get(name, Field.ANY), True), negated=negated)


def _word_item(atom: str, name: str, negated: bool) -> _Item:
    return _Item("term", _term(atom, FIELD_PREFIXES.get(name, Field.ANY), False), negated=negated)


def parse_query(text: str) -> Query:
    """The plan of a query string; never fails (see the module's docstring for the language)."""
    text = (text or "")[:MAX_QUERY_CHARS]
    items = _lex(text)
    built = _Builder()
    for index, item in enumerate(items):
        if item.kind == "filter":
            _apply_filter(built, item)
            continue
        if item.kind == "or":
            before = index > 0 and _positive(items[index - 1])
            after = index + 1 < len(items) and _positive(items[index + 1])
            if not (before and after):  # a stray OR is the word "or"
                built.add_term(Term(("or",)), negated=False, joined=False)
            continue
        if item.term is None:
            continue
        joined = index > 1 and items[index - 1].kind == "or" and _positive(items[index - 2])
        built.add_term(item.term, negated=item.negated, joined=joined and not item.negated)
    return built.query()


def _positive(item: _Item) -> bool:
    return item.kind == "term" and item.term is not None and not item.negated


def _apply_filter(built: _Builder, item: _Item) -> None:
    if item.name in ("cat", "category"):
        built.add_category(parse_category(item.value) or item.value, negated=item.negated)
    elif item.name == "venue":
        built.add_category(f"{VENUE_ARCHIVE}.{item.value}", negated=item.negated)
    elif item.name == "branch":
        arxiv = (item.value.lower() == "arxiv") != item.negated
        built.add_category(VENUE_ARCHIVE, negated=arxiv)
    elif item.name == "has":
        built.has_code = True
    elif item.name == "from":
        built.date_from = parse_date(item.value)
    else:
        built.date_until = parse_date(item.value, end=True)

"""``search_papers``: a query string to one page of ranked papers with highlight spans, the
fields each one matched in, and, for a paper found through its body only, a snippet of it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from fulltext.document import FullText
from models.plain import as_moment, driver_connection
from search import sqlite
from search.analysis import Analyzer
from search.dialect import ids_parameter
from search.documents import documents_of, paper_documents
from search.highlight import highlight_spans, prefilter, snippet
from search.indexing import bodies_indexed, supports_index
from search.loaded import postgresql_rows, read_rows
from search.options import shared_analyzer
from search.query import MAX_CATEGORIES, Field, Query, parse_category, parse_query
from search.schema import DOCS_TABLE

Sort = Literal["relevance", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "date")
MAX_LIMIT = 200
MAX_OFFSET = 10_000

Span = tuple[int, int]
FIELDS = ("title", "abstract", "authors", "body")


@dataclass(frozen=True, slots=True)
class BodySnippet:
    """A few lines of a paper's body around a match (``search.highlight.snippet``), the spans
    that match in them, and the section they are in (its arXiv anchor, number and title)."""

    anchor: str
    number: str
    section: str
    text: str
    spans: list[Span]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A found paper, its score (higher is better; 0 when sorted by date without words), the
    spans of its title and abstract that the query matches (code point offsets), the fields
    it matched in (of ``FIELDS``), and, when neither its title nor its abstract matched but
    its body did, a snippet of the body."""

    paper: FoundPaper
    score: float
    title_spans: list[Span]
    abstract_spans: list[Span]
    matched: tuple[str, ...] = ()
    body: BodySnippet | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results; ``total`` is exact, or with ``total_exact`` False a lower bound
    (a query without filters counts ``search.sqlite.COUNT_LIMIT`` matches at most)."""

    query: Query
    total: int
    hits: list[SearchHit]
    sort: Sort
    limit: int
    offset: int
    total_exact: bool = True


def _latest(*days: dt.date | None) -> dt.date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def _earliest(*days: dt.date | None) -> dt.date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def filters_of(
    query: Query,
    categories: Sequence[str] = (),
    date_from: dt.date | None = None,
    date_until: dt.date | None = None,
) -> sqlite.Filters:
    """The query's filters and the caller's together: any of the categories (the caller's
    valid ones, the first ``MAX_CATEGORIES`` of them), both date bounds."""
    chosen = [c for c in (parse_category(c) for c in categories) if c][:MAX_CATEGORIES]
    return sqlite.Filters(
        categories=tuple(dict.fromkeys([*query.categories, *chosen])),
        excluded_categories=query.excluded_categories,
        date_from=_latest(query.date_from, date_from),
        date_until=_earliest(query.date_until, date_until),
        has_code=query.has_code,
    )


# A page holds a hundred or more authors: tuples, made about five times faster than frozen
# dataclasses.
class FoundAuthor(NamedTuple):
    name: str


class FoundCategory(NamedTuple):
    category: str
    is_primary: bool


@dataclass(frozen=True, slots=True)
class FoundPaper:
    """What a result shows of a paper (the ORM's ``Paper`` has the same attributes)."""

    id: str
    version: int
    title: str
    abstract: str
    published: dt.datetime | None
    authors: tuple[FoundAuthor, ...]
    categories: tuple[FoundCategory, ...]


_IDS = "(SELECT value FROM json_each(?))"
_PAPERS = (
    f"SELECT id, version, title, abstract, published FROM papers WHERE id IN {_IDS} AND NOT hidden"
)
_AUTHORS = (
    "SELECT pa.paper_id, a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    f"WHERE pa.paper_id IN {_IDS} ORDER BY pa.paper_id, pa.position"
)
_CATEGORIES = (
    "SELECT paper_id, category, is_primary FROM paper_categories "
    f"WHERE paper_id IN {_IDS} ORDER BY paper_id, position"
)


async def _visible_papers(session: AsyncSession, ids: list[str]) -> list[FoundPaper]:
    """The visible papers among ``ids`` in that order, with authors and categories: three
    plain reads (no ORM objects for a page of ten), on the session's connection."""
    if not ids:
        return []
    wanted = (ids_parameter(ids),)
    direct = await driver_connection(session)
    if direct is not None:  # the three reads at once, without going back to the session

        def read(statement: str) -> list[tuple]:
            return direct.execute(statement, wanted).fetchall()

        rows, author_rows, category_rows = read(_PAPERS), read(_AUTHORS), read(_CATEGORIES)
    else:
        rows = await read_rows(session, _PAPERS, wanted)
        author_rows = await read_rows(session, _AUTHORS, wanted) if rows else []
        category_rows = await read_rows(session, _CATEGORIES, wanted) if rows else []
    if not rows:
        return []
    authors: dict[str, list[FoundAuthor]] = defaultdict(list)
    for paper_id, name in author_rows:
        authors[paper_id].append(FoundAuthor(name))
    categories: dict[str, list[FoundCategory]] = defaultdict(list)
    for paper_id, code, primary in category_rows:
        categories[paper_id].append(FoundCategory(code, bool(primary)))
    found = {
        paper_id: FoundPaper(
            paper_id,
            version,
            title or "",
            abstract or "",
            as_moment(published),
            tuple(authors.get(paper_id, ())),
            tuple(categories.get(paper_id, ())),
        )
        for paper_id, version, title, abstract, published in rows
    }
    return [found[i] for i in ids if i in found]


# The page on PostgreSQL in one statement: the papers of $1 (their ids, or their docids in
# the index), their authors and categories in order, and, when $2, their stored documents
# (as ``search.documents`` reads them). The array is read through a sub-select so that the
# plan is the same whatever its values (see ``search.loaded``).
_PAGE_POSTGRESQL = (
    "SELECT {key}, p.id, p.version, p.title, p.abstract, p.published, "
    "ARRAY(SELECT a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    "WHERE pa.paper_id = p.id ORDER BY pa.position), "
    "ARRAY(SELECT ROW(c.category, c.is_primary) FROM paper_categories c "
    "WHERE c.paper_id = p.id ORDER BY c.position), "
    "(SELECT f.document FROM paper_fulltexts f WHERE $2 AND f.paper_id = p.id "
    "AND f.version = coalesce(p.version, 1) AND f.status = 'ok' AND f.document IS NOT NULL) "
    "FROM {source} WHERE {key} = ANY((SELECT $1::{array})::{array}) AND NOT p.hidden"
)
_PAGE_BY_ID = _PAGE_POSTGRESQL.format(key="p.id", source="papers p", array="text[]")
_PAGE_BY_DOCID = _PAGE_POSTGRESQL.format(
    key="d.docid",
    source=f"{DOCS_TABLE} d JOIN papers p ON p.id = d.paper_id",
    array="bigint[]",
)


async def _visible_papers_postgresql(
    session: AsyncSession, ranked: Sequence[tuple], bodies: bool, *, docids: bool = False
) -> list[tuple[FoundPaper, float, FullText | None]]:
    """The visible papers of ``ranked`` (``(paper id or docid, score)``) in that order,
    with their scores and, with ``bodies``, their documents: ``_visible_papers`` and
    ``paper_documents`` in one read."""
    if not ranked:
        return []
    keys = [key for key, _ in ranked]
    rows = await postgresql_rows(session, _PAGE_BY_DOCID if docids else _PAGE_BY_ID, (keys, bodies))
    return _page_postgresql(rows, ranked)


def _page_postgresql(
    rows: list[tuple], ranked: Sequence[tuple]
) -> list[tuple[FoundPaper, float, FullText | None]]:
    """The papers of the rows of ``_PAGE_POSTGRESQL`` in the order of ``ranked``, with their
    scores and documents."""
    found = {
        key: FoundPaper(
            paper_id,
            version,
            title or "",
            abstract or "",
            as_moment(published),
            tuple(FoundAuthor(name) for name in names),
            tuple(FoundCategory(code, bool(primary)) for code, primary in codes),
        )
        for key, paper_id, version, title, abstract, published, names, codes, _ in rows
    }
    documents = documents_of((row[1], row[-1]) for row in rows if row[-1] is not None)
    return [
        (found[key], score, documents.get(found[key].id)) for key, score in ranked if key in found
    ]


async def search_papers(
    session: AsyncSession,
    query: str | Query,
    *,
    categories: Sequence[str] = (),
    date_from: dt.date | None = None,
    date_until: dt.date | None = None,
    sort: Sort = "relevance",
    limit: int = 20,
    offset: int = 0,
    analyzer: Analyzer | None = None,
    bodies: bool | None = None,
) -> SearchPage:
    """One page of the visible papers matching ``query`` (see ``search.query`` for the
    language), best first or newest first; never raises on any query text.

    ``categories`` (any of them, the first ``MAX_CATEGORIES``; ``cs`` means every ``cs.*``),
    ``date_from`` and ``date_until`` (publication day, both included) add to the filters
    written in the query. ``limit`` is clamped to 1..``MAX_LIMIT`` and ``offset`` to
    0..``MAX_OFFSET``. ``bodies``: whether papers' bodies are indexed and shown (default: the
    SEARCH_FULL_TEXT setting).
    """
    parsed = query if isinstance(query, Query) else parse_query(query)
    sort = sort if sort in SORTS else "relevance"
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    analyzer = analyzer or shared_analyzer()
    if not supports_index(session):
        return SearchPage(parsed, 0, [], sort, limit, offset)
    if bodies is None:
        bodies = bodies_indexed()
    with_bodies = bodies and parsed.has_text
    found = await sqlite.rank(
        session,
        parsed,
        filters_of(parsed, categories, date_from, date_until),
        analyzer,
        sort=sort,
        limit=limit,
        offset=offset,
        page=_PAGE_BY_DOCID,
        page_params=(with_bodies,),
    )
    if isinstance(found, sqlite.FoundDocids):  # PostgreSQL
        if found.page is not None:  # read with the search
            scored = _page_postgresql(found.page, found.ranked)
        else:
            scored = await _visible_papers_postgresql(
                session, found.ranked, with_bodies, docids=True
            )
        exact = True
    else:
        if session.bind.dialect.name == "postgresql":
            scored = await _visible_papers_postgresql(session, found.ranked, with_bodies)
        else:
            scores = dict(found.ranked)
            papers = await _visible_papers(session, [paper_id for paper_id, _ in found.ranked])
            documents = (
                await paper_documents(session, [p.id for p in papers]) if with_bodies else {}
            )
            scored = [(p, scores[p.id], documents.get(p.id)) for p in papers]
        exact = found.exact
    hits = [_hit(paper, score, parsed, analyzer, document) for paper, score, document in scored]
    return SearchPage(parsed, found.total, hits, sort, limit, offset, exact)


def _body_match(document: FullText, query: Query, analyzer: Analyzer) -> BodySnippet | None:
    """A snippet of the first paragraph of ``document`` that the query matches in, with its
    section. Paragraphs without a word that may match are skipped unread."""
    likely = prefilter(query, analyzer)
    for section in document.sections:
        if likely is not None and likely.search(section.text) is None:
            continue
        for paragraph in section.text.split("\n\n"):
            if likely is not None and likely.search(paragraph) is None:
                continue
            spans = highlight_spans(paragraph, query, Field.ANY, analyzer)
            if spans:
                text, inside = snippet(paragraph, spans)
                return BodySnippet(section.anchor, section.number, section.title, text, inside)
    return None


def _hit(
    paper: FoundPaper, score: float, query: Query, analyzer: Analyzer, document: FullText | None
) -> SearchHit:
    title = highlight_spans(paper.title or "", query, Field.TITLE, analyzer)
    abstract = highlight_spans(paper.abstract or "", query, Field.ABSTRACT, analyzer)
    names = ", ".join(a.name for a in paper.authors)
    authors = highlight_spans(names, query, Field.AUTHORS, analyzer)
    body = _body_match(document, query, analyzer) if document is not None else None
    found = (title, abstract, authors, body)
    matched = tuple(name for name, spans in zip(FIELDS, found, strict=True) if spans)
    return SearchHit(
        paper=paper,
        score=score,
        title_spans=title,
        abstract_spans=abstract,
        matched=matched,
        body=body if body is not None and not (title or abstract) else None,
    )

"""Searching the index: a parsed query to the number of matches and one page (SQLite and
PostgreSQL alike).

The query's plan (``search.plan``) is evaluated over the posting lists of its terms
(``search.loaded``, ``search.evaluate``); categories and ``has:code`` are the filters read from
the papers' tables (as the set of matching docids), dates are held by the index. A query
without words but with filters is a plain query of the papers, newest first.

Reading posting lists and scoring them is a search's heavy part: it runs in a worker thread
(the kernel lets go of the GIL in its loops), so that the event loop goes on serving other
requests meanwhile. A search whose lists this process holds already, short ones, over an index
it has read up to date or nearly, runs on the event loop instead (``search.loaded.small_search``):
it takes less time than handing it to a thread and back (about 0.2 ms, and a core to wait for
on a busy machine). On PostgreSQL, whose driver is asynchronous, the reads stay on the event
loop, and only decoding and scoring go to the thread (for such a short search, not even those:
``PostgresqlRead.small``); a search whose lists are all held is ranked before anything is
read, its page read with the check that the index has not moved (``rank``'s ``page``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anyio.to_thread
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from search.analysis import Analyzer
from search.dialect import ids_parameter
from search.evaluate import Collection, TermList, evaluate
from search.loaded import (
    LoadedIndex,
    Reader,
    checked_postgresql,
    direct_reader,
    loaded_index,
    postgresql_rows,
    read_postgresql,
    read_rows,
    small_search,
    speculate,
    term_lists,
    thread_reader,
)
from search.plan import Alternative, Plan, alternatives, plan_query
from search.query import Query
from search.schema import DOCS_TABLE, POSTINGS_TABLE
from search.segments import day_number

_IDS = "(SELECT value FROM json_each(:ids))"


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters of a search."""

    categories: tuple[str, ...] = ()
    excluded_categories: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    has_code: bool = False

    def is_empty(self) -> bool:
        return not (
            self.categories
            or self.excluded_categories
            or self.date_from
            or self.date_until
            or self.has_code
        )

    def clauses(self, dialect: str = "sqlite") -> tuple[list[str], dict[str, object]]:
        """SQL conditions on ``papers p`` and their parameters, for the driver's SQL of
        ``dialect`` (``search.dialect``)."""
        conditions: list[str] = ["NOT p.hidden"]
        params: dict[str, object] = {}
        if self.categories:
            papers = _category_papers(self.categories, "c", params, dialect)
            conditions.append(f"p.id IN ({papers})")
        if self.excluded_categories:
            papers = _category_papers(self.excluded_categories, "x", params, dialect)
            conditions.append(f"p.id NOT IN ({papers})")
        if self.has_code:
            conditions.append(f"p.id IN ({_CODE_PAPERS})")
        if self.date_from is not None:
            conditions.append("p.published >= :date_from")
            params["date_from"] = _day_start(self.date_from, dialect)
        if self.date_until is not None:
            conditions.append("p.published < :date_until")
            params["date_until"] = _day_start(self.date_until + dt.timedelta(days=1), dialect)
        return conditions, params


def _day_start(day: dt.date, dialect: str) -> object:
    if dialect == "postgresql":
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    # How SQLAlchemy stores a UTC datetime on SQLite; comparable as text.
    return f"{day.isoformat()} 00:00:00.000000"


def _category_papers(
    categories: Sequence[str], name: str, params: dict[str, object], dialect: str = "sqlite"
) -> str:
    """The papers in any of the categories or archives (case aside), as one ``IN`` over the
    categories' codes that the category index serves: the codes named, and for an archive
    the range of its subject classes (``>= 'cs.' AND < 'cs/'``). The statement is the same
    whatever the number of categories, which come as two JSON parameters."""
    folded = [c.lower() for c in categories]
    params[f"{name}_codes"] = ids_parameter(folded)
    archives = [c for c in folded if "." not in c]
    if dialect == "postgresql":
        params[f"{name}_archives"] = archives
        return (
            "SELECT pc.paper_id FROM paper_categories pc WHERE pc.category IN ("
            f"SELECT code FROM categories WHERE lower(code) IN {_ids(name + '_codes')}"
            f" UNION SELECT code FROM categories, unnest(CAST(:{name}_archives AS text[]))"
            " AS archive(value) WHERE lower(code) COLLATE \"C\" >= archive.value || '.'"
            " AND lower(code) COLLATE \"C\" < archive.value || '/')"
        )
    params[f"{name}_archives"] = ids_parameter(archives)
    return (
        "SELECT pc.paper_id FROM paper_categories pc WHERE pc.category IN ("
        "SELECT code FROM categories WHERE lower(code) IN "
        f"{_ids(name + '_codes')}"
        f" UNION SELECT code FROM categories, json_each(:{name}_archives) archive"
        " WHERE lower(code) >= archive.value || '.' AND lower(code) < archive.value || '/')"
    )


# The papers whose current version has code links stored (``fulltext.store``).
_CODE_PAPERS = (
    "SELECT f.paper_id FROM paper_fulltexts f JOIN papers q ON q.id = f.paper_id"
    " AND f.version = coalesce(q.version, 1)"
    " WHERE f.code_links IS NOT NULL AND json_array_length(f.code_links) > 0"
)


@dataclass(frozen=True, slots=True)
class Found:
    total: int  # the number of matches
    ranked: list[tuple[str, float]]  # (paper id, score: higher is better)
    exact: bool = True


def _ids(name: str) -> str:
    return f"(SELECT value FROM json_each(:{name}))"


def _category_docids(read: Reader, categories: Sequence[str], dialect: str) -> np.ndarray:
    return _docids(read(*_category_statement(categories, dialect)))


def _category_statement(categories: Sequence[str], dialect: str) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {}
    papers = _category_papers(categories, "c", params, dialect)
    return f"SELECT docid FROM {DOCS_TABLE} WHERE paper_id IN ({papers})", params


_CODE_DOCIDS = f"SELECT docid FROM {DOCS_TABLE} WHERE paper_id IN ({_CODE_PAPERS})"


def _docids(rows: list[tuple]) -> np.ndarray:
    return np.fromiter((docid for (docid,) in rows), dtype=np.int64)


def _filtered(filters: Filters) -> bool:
    return bool(filters.categories or filters.excluded_categories or filters.has_code)


def _allowed(read: Reader, alive: np.ndarray, filters: Filters, dialect: str) -> np.ndarray:
    if not _filtered(filters):
        return alive
    return _mask(
        alive,
        _docids(read(_CODE_DOCIDS, {})) if filters.has_code else None,
        _category_docids(read, filters.categories, dialect) if filters.categories else None,
        (
            _category_docids(read, filters.excluded_categories, dialect)
            if filters.excluded_categories
            else None
        ),
    )


async def _kept_postgresql(
    session: AsyncSession, filters: Filters
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """What ``_allowed`` reads (for ``_mask``), read on the event loop."""

    async def docids(statement: str, params: dict[str, object]) -> np.ndarray:
        return _docids(await read_rows(session, statement, params))

    return (
        await docids(_CODE_DOCIDS, {}) if filters.has_code else None,
        (
            await docids(*_category_statement(filters.categories, "postgresql"))
            if filters.categories
            else None
        ),
        (
            await docids(*_category_statement(filters.excluded_categories, "postgresql"))
            if filters.excluded_categories
            else None
        ),
    )


def _mask(
    alive: np.ndarray,
    with_code: np.ndarray | None,
    chosen: np.ndarray | None,
    left_out: np.ndarray | None,
) -> np.ndarray:
    """The papers alive, with code (unless None), in the categories chosen (unless None),
    and not in those left out."""
    allowed = alive.copy()
    for wanted in (with_code, chosen):
        if wanted is not None:
            mask = np.zeros(len(alive), dtype=np.uint8)
            mask[wanted[wanted < len(alive)]] = 1
            allowed &= mask
    if left_out is not None:
        allowed[left_out[left_out < len(alive)]] = 0
    return allowed


_PAPER_IDS = (
    f"SELECT docid, paper_id FROM {DOCS_TABLE} WHERE docid IN (SELECT value FROM json_each(?))"
)


def _paper_ids(read: Reader, docids: Sequence[int]) -> dict[int, str]:
    if not docids:
        return {}
    return dict(read(_PAPER_IDS, (ids_parameter(docids),)))


async def document_frequencies(session: AsyncSession, terms: Sequence[str]) -> dict[str, int]:
    """How many indexed papers hold each term (in any field)."""
    if not terms:
        return {}
    rows = await read_rows(
        session,
        f"SELECT term, sum(df) FROM {POSTINGS_TABLE} WHERE term IN {_IDS} GROUP BY term",
        {"ids": ids_parameter(terms)},
    )
    return {term: int(df) for term, df in rows}


async def run_search(
    session: AsyncSession,
    query: Query,
    filters: Filters,
    analyzer: Analyzer,
    *,
    sort: str,
    limit: int,
    offset: int,
) -> Found:
    """The papers matching ``query`` under ``filters``: their number and one page of them."""
    found = await rank(session, query, filters, analyzer, sort=sort, limit=limit, offset=offset)
    if isinstance(found, Found):
        return found
    docids = [docid for docid, _ in found.ranked]
    ids = dict(await read_rows(session, _PAPER_IDS, (ids_parameter(docids),))) if docids else {}
    return Found(found.total, [(ids[d], score) for d, score in found.ranked if d in ids])


@dataclass(frozen=True, slots=True)
class FoundDocids:
    """``Found`` with the page's docids in place of their papers' ids, and the rows of the
    page's statement when it was read with the search (``rank``'s ``page``)."""

    total: int
    ranked: list[tuple[int, float]]  # (docid, score: higher is better)
    page: list[tuple] | None = None


async def rank(
    session: AsyncSession,
    query: Query,
    filters: Filters,
    analyzer: Analyzer,
    *,
    sort: str,
    limit: int,
    offset: int,
    page: str | None = None,
    page_params: Sequence[object] = (),
) -> Found | FoundDocids:
    """``run_search``, whose page may be left as docids (PostgreSQL, whose caller may read
    the papers of the docids in one statement rather than two). ``page`` is that statement
    (the docids its ``$1``, ``page_params`` the next): a search whose lists this process
    holds ranks first and reads the page with the check that the index has not moved, in
    one round trip rather than two."""
    plan = plan_query(query, analyzer)
    if plan is None:
        if filters.is_empty():
            return Found(0, [])
        return await _filtered_only(session, query, filters, analyzer, limit=limit, offset=offset)
    if session.bind.dialect.name == "postgresql":
        if page is not None and not _filtered(filters):
            found = await _speculated(
                session, plan, filters, sort, limit, offset, page, page_params
            )
            if found is not None:
                return found
        return await _run_postgresql(session, plan, filters, sort=sort, limit=limit, offset=offset)
    direct = await direct_reader(session)
    read = direct if direct is not None else await thread_reader(session)
    database = str(session.bind.url)
    dialect = session.bind.dialect.name

    def ranked() -> Found:
        index = loaded_index(read, database)
        lists = term_lists(read, index, plan.terms(), plan.phrase_terms())
        collection = index.collection()
        allowed = _allowed(read, collection.alive, filters, dialect)
        count, page = _rank(plan, lists, collection, allowed, index, filters, sort, limit, offset)
        ids = _paper_ids(read, [docid for docid, _ in page])
        return Found(count, [(ids[d], score) for d, score in page if d in ids])

    if direct is not None and not _filtered(filters) and small_search(direct, database, plan):
        return ranked()
    return await anyio.to_thread.run_sync(ranked)


async def load_index(session: AsyncSession) -> int:
    """Read what this process keeps of the index (every paper's length and day) as the first
    search would: a served process calls it once started, so that its first reader does not
    wait for a whole archive's rows (about a second at a million papers). Returns how many
    papers the index holds."""
    database = str(session.bind.url)
    if session.bind.dialect.name == "postgresql":
        read = await read_postgresql(session, database, ())
        await anyio.to_thread.run_sync(read.lists)
        return read.index.count
    reader = await thread_reader(session)
    index = await anyio.to_thread.run_sync(loaded_index, reader, database)
    return index.count


async def _run_postgresql(
    session: AsyncSession, plan: Plan, filters: Filters, *, sort: str, limit: int, offset: int
) -> FoundDocids:
    """``rank`` on PostgreSQL: the reads on the event loop (asyncpg is asynchronous), the
    index's position and the terms' lists in one statement (``read_postgresql``), then
    decoding and ranking in a worker thread."""
    read = await read_postgresql(session, str(session.bind.url), plan.terms(), plan.phrase_terms())
    kept = await _kept_postgresql(session, filters)

    def ranked() -> tuple[int, list[tuple[int, float]]] | list[str]:
        lists, missing = read.lists()
        if missing:
            return missing
        collection = read.index.collection()
        allowed = _mask(collection.alive, *kept) if _filtered(filters) else collection.alive
        return _rank(plan, lists, collection, allowed, read.index, filters, sort, limit, offset)

    if not _filtered(filters) and read.small():
        found = ranked()
    else:
        found = await anyio.to_thread.run_sync(ranked)
    if isinstance(found, list):  # lists held were dropped meanwhile, or new segments came
        await read.complete(session, found)
        found = await anyio.to_thread.run_sync(ranked)
        assert not isinstance(found, list)
    return FoundDocids(*found)


async def _speculated(
    session: AsyncSession,
    plan: Plan,
    filters: Filters,
    sort: str,
    limit: int,
    offset: int,
    page: str,
    page_params: Sequence[object],
) -> FoundDocids | None:
    """The search ranked with what this process holds (``search.loaded.speculate``; on the
    event loop when short, else in a worker thread), its page read with the check that the
    index is still the one ranked; None when it holds too little, or the index moved (the
    search then reads it as usual)."""
    guess = speculate(str(session.bind.url), plan.terms(), plan.phrase_terms())
    if guess is None:
        return None
    collection = guess.collection

    def ranked_here() -> tuple[int, list[tuple[int, float]]]:
        return _rank(
            plan,
            guess.lists,
            collection,
            collection.alive,
            guess.index,
            filters,
            sort,
            limit,
            offset,
        )

    count, ranked = ranked_here() if guess.small else await anyio.to_thread.run_sync(ranked_here)
    statement = checked_postgresql(page, len(page_params) + 2)
    terms = sorted(set(plan.terms()))
    rows = await postgresql_rows(
        session, statement, ([docid for docid, _ in ranked], *page_params, terms)
    )
    index_id, last_docid, last_deleted, lists = rows[0][:4]
    if not guess.holds(index_id, last_docid, last_deleted, lists):
        return None
    return FoundDocids(count, ranked, [row[4:] for row in rows if row[4] is not None])


def _rank(
    plan: Plan,
    lists: Mapping[str, TermList],
    collection: Collection,
    allowed: np.ndarray,
    index: LoadedIndex,
    filters: Filters,
    sort: str,
    limit: int,
    offset: int,
) -> tuple[int, list[tuple[int, float]]]:
    """The number of matches and the page's ``(docid, score)``."""
    ranking = evaluate(
        plan,
        lists,
        collection,
        k=offset + limit,
        allowed=allowed,
        day_from=day_number(filters.date_from) if filters.date_from else -(2**31),
        day_until=day_number(filters.date_until) if filters.date_until else 2**31 - 1,
        by_date=sort == "date",
        memo=index.scores,
    )
    return ranking.count, list(zip(ranking.docids, ranking.scores, strict=True))[offset:]


def matching_docids(read: Reader, database: str, alternatives: Sequence[Alternative]) -> list[int]:
    """The docids of the papers matching any of these alternatives (exact words)."""
    index = loaded_index(read, database)
    plan = Plan((tuple(alternatives),))
    lists = term_lists(read, index, plan.terms(), plan.phrase_terms())
    collection = index.collection()
    ranking = evaluate(plan, lists, collection, k=collection.count)  # every one of them
    return ranking.docids


async def _filtered_only(
    session: AsyncSession,
    query: Query,
    filters: Filters,
    analyzer: Analyzer,
    *,
    limit: int,
    offset: int,
) -> Found:
    conditions, params = filters.clauses(session.bind.dialect.name)
    if query.excluded:
        excluded = [a for t in query.excluded for a in alternatives(t, analyzer, partial=False)]
        read = await thread_reader(session)
        database = str(session.bind.url)
        docids = await anyio.to_thread.run_sync(matching_docids, read, database, excluded)
        conditions.append(
            f"p.id NOT IN (SELECT paper_id FROM {DOCS_TABLE} WHERE docid IN {_ids('excluded')})"
        )
        params["excluded"] = ids_parameter(docids)
    source = f"FROM papers p WHERE {' AND '.join(conditions)}"
    ((total,),) = await read_rows(session, f"SELECT count(*) {source}", params)
    rows = await read_rows(
        session,
        f"SELECT p.id {source} ORDER BY p.published DESC, p.id LIMIT :limit OFFSET :offset",
        {**params, "limit": limit, "offset": offset},
    )
    return Found(int(total), [(paper_id, 0.0) for (paper_id,) in rows])

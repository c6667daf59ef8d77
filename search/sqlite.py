"""The search index on SQLite: an FTS5 table of index terms, kept beside the papers.

Writing: each paper is one row of the contentless FTS table, whose rowid is its ``docid`` in
``search_docs``, where its terms are kept compressed; indexing a paper deletes its row and
inserts the new one, in the caller's transaction.

Hidden papers are not indexed. Reading: the MATCH expression comes from ``search.fts5``;
ranking is FTS5's BM25 with the column weights of ``search.fts5.WEIGHTS``. Without filters the
ranking runs on the FTS table alone and only the page's rows are joined to the papers.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from search.analysis import Analyzer, IndexedDocument
from search.documents import PaperText
from search.fts5 import (
    COLUMNS,
    WEIGHTS,
    exclusion_expression,
    match_expression,
    title_tiers,
)
from search.query import Query
from search.schema import DOCS_TABLE, FTS_TABLE, VOCAB_TABLE

_IDS = "(SELECT value FROM json_each(:ids))"
_FIELD_SEPARATOR = "\x1e"  # never in terms: they are letters, digits and spaces
RANK_LIMIT = 2000  # matches scored at most for one page (see _ranked_unfiltered)
COUNT_LIMIT = 10_000  # matches counted at most without filters; more is "at least"
_BM25 = f"bm25({FTS_TABLE}, {', '.join(repr(w) for w in WEIGHTS)})"


def _ids(values: Sequence[object]) -> str:
    return json.dumps(list(values))


def pack(document: IndexedDocument) -> bytes:
    """The stored form of a paper's terms: what deleting its FTS row needs."""
    return zlib.compress(_FIELD_SEPARATOR.join(document.as_row()).encode("utf-8"), 1)


def unpack(data: bytes) -> IndexedDocument:
    return IndexedDocument(*zlib.decompress(data).decode("utf-8").split(_FIELD_SEPARATOR))


_NAMES = ", ".join(COLUMNS)
_MARKS = ", ".join("?" for _ in COLUMNS)
# Written through the driver with positional parameters: these run for every paper indexed.
_INSERT = f"INSERT INTO {FTS_TABLE} (rowid, {_NAMES}) VALUES (?, {_MARKS})"
_DELETE = f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {_NAMES}) VALUES ('delete', ?, {_MARKS})"


async def _executemany(session: AsyncSession, statement: str, rows: list[tuple]) -> None:
    connection = await session.connection()
    await connection.exec_driver_sql(statement, rows)


async def _stored(session: AsyncSession, paper_ids: Sequence[str]) -> dict[str, tuple[int, bytes]]:
    rows = await session.execute(
        text(f"SELECT paper_id, docid, terms FROM {DOCS_TABLE} WHERE paper_id IN {_IDS}"),
        {"ids": _ids(paper_ids)},
    )
    return {paper_id: (docid, terms) for paper_id, docid, terms in rows}


@dataclass(frozen=True, slots=True)
class Entry:
    """A paper's terms ready to write, with their stored form."""

    paper_id: str
    document: IndexedDocument
    packed: bytes

    @classmethod
    def of(cls, paper_id: str, document: IndexedDocument) -> Entry:
        return cls(paper_id, document, pack(document))


async def write_documents(
    session: AsyncSession, documents: Sequence[tuple[str, IndexedDocument] | Entry]
) -> int:
    """Index these papers, replacing what the index held for them; returns how many changed.

    The FTS table is contentless: a row is deleted with the terms it was inserted with, kept
    compressed in ``search_docs``. A paper whose terms are unchanged is left as it is.
    """
    entries = {
        e.paper_id: e for e in (d if isinstance(d, Entry) else Entry.of(*d) for d in documents)
    }
    if not entries:
        return 0
    stored = await _stored(session, list(entries))
    changed = [e for i, e in entries.items() if i not in stored or stored[i][1] != e.packed]
    replaced = [e for e in changed if e.paper_id in stored]
    if replaced:
        old = [stored[e.paper_id] for e in replaced]
        await _executemany(session, _DELETE, [(d, *unpack(t).as_row()) for d, t in old])
        await _executemany(
            session,
            f"UPDATE {DOCS_TABLE} SET terms = ? WHERE docid = ?",
            [(e.packed, stored[e.paper_id][0]) for e in replaced],
        )
    added = [e for e in changed if e.paper_id not in stored]
    if added:
        await _executemany(
            session,
            f"INSERT INTO {DOCS_TABLE} (paper_id, terms) VALUES (?, ?)",
            [(e.paper_id, e.packed) for e in added],
        )
    if changed:
        docids = {i: docid for i, (docid, _) in stored.items()}
        if added:
            new = await _stored(session, [e.paper_id for e in added])
            docids.update((i, docid) for i, (docid, _) in new.items())
        await _executemany(
            session, _INSERT, [(docids[e.paper_id], *e.document.as_row()) for e in changed]
        )
    return len(changed)


async def remove_documents(session: AsyncSession, paper_ids: Sequence[str]) -> None:
    """Take these papers out of the index."""
    if not paper_ids:
        return
    stored = await _stored(session, paper_ids)
    if not stored:
        return
    await _executemany(
        session, _DELETE, [(docid, *unpack(terms).as_row()) for docid, terms in stored.values()]
    )
    await session.execute(
        text(f"DELETE FROM {DOCS_TABLE} WHERE paper_id IN {_IDS}"), {"ids": _ids(list(stored))}
    )


async def index_texts(session: AsyncSession, texts: Sequence[PaperText], analyzer: Analyzer) -> int:
    """Index the visible papers among ``texts``; hidden ones leave the index."""
    await remove_documents(session, [t.id for t in texts if t.hidden])
    return await write_documents(
        session,
        [(t.id, analyzer.document(t.title, t.abstract, t.authors)) for t in texts if not t.hidden],
    )


async def indexed_documents(
    session: AsyncSession, paper_ids: Sequence[str]
) -> dict[str, IndexedDocument]:
    """What the index holds for these papers."""
    return {i: unpack(terms) for i, (_, terms) in (await _stored(session, paper_ids)).items()}


async def orphan_ids(session: AsyncSession) -> list[str]:
    """Indexed paper ids whose paper is gone."""
    rows = await session.execute(
        text(f"SELECT paper_id FROM {DOCS_TABLE} WHERE paper_id NOT IN (SELECT id FROM papers)")
    )
    return list(rows.scalars())


async def unindexed_count(session: AsyncSession) -> int:
    """Visible papers that the index lacks."""
    row = await session.execute(
        text(f"SELECT count(*) FROM papers WHERE NOT hidden "
             f"AND id NOT IN (SELECT paper_id FROM {DOCS_TABLE})")
    )  # fmt: skip
    return int(row.scalar_one())


async def indexed_count(session: AsyncSession) -> int:
    return int((await session.execute(text(f"SELECT count(*) FROM {DOCS_TABLE}"))).scalar_one())


async def indexed_ids(session: AsyncSession) -> list[str]:
    rows = await session.execute(text(f"SELECT paper_id FROM {DOCS_TABLE} ORDER BY paper_id"))
    return list(rows.scalars())


async def integrity_problem(session: AsyncSession) -> str | None:
    """FTS5's own integrity check of the index structures, or None when it passes."""
    try:
        await session.execute(
            text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('integrity-check')")
        )
    except Exception as exc:  # SQLite reports a corrupt index as an error
        return str(exc)
    return None


async def merge_step(session: AsyncSession, pages: int = 500) -> bool:
    """One step of merging the index's segments; False when there was nothing to merge."""
    before = (await session.execute(text("SELECT total_changes()"))).scalar_one()
    await session.execute(
        text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('merge', :pages)"),
        {"pages": pages},
    )
    after = (await session.execute(text("SELECT total_changes()"))).scalar_one()
    return after - before > 1


async def document_frequencies(session: AsyncSession, terms: Sequence[str]) -> dict[str, int]:
    """How many indexed papers hold each term (in any column)."""
    if not terms:
        return {}
    rows = await session.execute(
        text(f"SELECT term, doc FROM {VOCAB_TABLE} WHERE term IN {_IDS}"),
        {"ids": _ids(terms)},
    )
    return {term: int(doc) for term, doc in rows}


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters of a search, in SQL terms."""

    categories: tuple[str, ...] = ()
    excluded_categories: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_until: dt.date | None = None

    def is_empty(self) -> bool:
        return not (
            self.categories or self.excluded_categories or self.date_from or self.date_until
        )

    def clauses(self) -> tuple[list[str], dict[str, object]]:
        """SQL conditions on ``papers p`` and their parameters."""
        conditions: list[str] = ["NOT p.hidden"]
        params: dict[str, object] = {}
        if self.categories:
            conditions.append(f"p.id IN ({_category_papers(self.categories, 'c', params)})")
        if self.excluded_categories:
            papers = _category_papers(self.excluded_categories, "x", params)
            conditions.append(f"p.id NOT IN ({papers})")
        if self.date_from is not None:
            conditions.append("p.published >= :date_from")
            params["date_from"] = _sqlite_datetime(self.date_from)
        if self.date_until is not None:
            conditions.append("p.published < :date_until")
            params["date_until"] = _sqlite_datetime(self.date_until + dt.timedelta(days=1))
        return conditions, params


def _sqlite_datetime(day: dt.date) -> str:
    # How SQLAlchemy stores a UTC datetime on SQLite; comparable as text.
    return f"{day.isoformat()} 00:00:00.000000"


def _category_papers(categories: Sequence[str], name: str, params: dict[str, object]) -> str:
    tests = []
    for i, category in enumerate(categories):
        params[f"{name}{i}"] = category
        params[f"{name}{i}_sub"] = category + ".%"
        tests.append(f"pc.category = :{name}{i} COLLATE NOCASE OR pc.category LIKE :{name}{i}_sub")
    return f"SELECT pc.paper_id FROM paper_categories pc WHERE {' OR '.join(tests)}"


@dataclass(frozen=True, slots=True)
class Found:
    total: int  # the number of matches, or a lower bound of it when not ``exact``
    ranked: list[tuple[str, float]]  # (paper id, score: higher is better)
    exact: bool = True


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
    match = match_expression(query, analyzer)
    if match is None:
        if filters.is_empty():
            return Found(0, [])
        return await _filtered_only(session, query, filters, limit=limit, offset=offset)
    if filters.is_empty() and sort == "relevance":
        return await _ranked_unfiltered(session, query, analyzer, limit=limit, offset=offset)
    return await _ranked_filtered(session, match, filters, sort=sort, limit=limit, offset=offset)


async def _count(session: AsyncSession, match: str, cap: int) -> int:
    """The number of matches, counted up to ``cap`` (FTS5 stops there)."""
    statement = text(
        f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match "
        "LIMIT :cap)"
    )
    return int((await session.execute(statement, {"match": match, "cap": cap})).scalar_one())


async def _ranked_unfiltered(
    session: AsyncSession, query: Query, analyzer: Analyzer, *, limit: int, offset: int
) -> Found:
    """BM25 computes a score for every match, so a query with more than ``RANK_LIMIT``
    matches is ranked in blocks: the matches with a query term in the title first, then the
    others; within each, the ``RANK_LIMIT`` most recently indexed, then the older ones.
    Matches are counted up to ``COUNT_LIMIT``."""
    match = match_expression(query, analyzer)
    assert match is not None
    total = await _count(session, match, COUNT_LIMIT)
    exact = total < COUNT_LIMIT
    if total == 0 or offset >= total:
        return Found(total, [], exact)
    parts = [(match, total)]
    tiers = title_tiers(query, analyzer) if total > RANK_LIMIT else None
    if tiers is not None:
        in_title = await _count(session, tiers[0], COUNT_LIMIT)
        parts = [(tiers[0], in_title), (tiers[1], total - in_title)]
    ranked: list[tuple[str, float]] = []
    skip, want = offset, limit
    for expression, count in parts:
        if want <= 0:
            break
        if skip >= count:
            skip -= count
            continue
        found = await _rank_part(session, expression, count, skip=skip, want=want)
        ranked.extend(found)
        skip, want = 0, want - len(found)
    return Found(total, ranked, exact)


async def _rank_part(
    session: AsyncSession, match: str, count: int, *, skip: int, want: int
) -> list[tuple[str, float]]:
    blocks = [("", count)]
    params: dict[str, object] = {"match": match}
    if count > RANK_LIMIT:
        floor = await session.execute(
            text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match "
                 "ORDER BY rowid DESC LIMIT 1 OFFSET :n"),
            {"match": match, "n": RANK_LIMIT - 1},
        )  # fmt: skip
        params["floor"] = floor.scalar_one()
        blocks = [(" AND rowid >= :floor", RANK_LIMIT), (" AND rowid < :floor", count - RANK_LIMIT)]
    ranked: list[tuple[str, float]] = []
    for condition, size in blocks:
        if want <= 0:
            break
        if skip >= size:
            skip -= size
            continue
        # Hidden papers are not indexed; one hidden since it was is dropped from the page.
        rows = await session.execute(
            text(f"SELECT d.paper_id, -f.score FROM (SELECT rowid, {_BM25} AS score "
                 f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match{condition} "
                 "ORDER BY score, rowid LIMIT :limit OFFSET :offset) f "
                 f"JOIN {DOCS_TABLE} d ON d.docid = f.rowid ORDER BY f.score, f.rowid"),
            {**params, "limit": want, "offset": skip},
        )  # fmt: skip
        found = [(paper_id, float(score)) for paper_id, score in rows]
        ranked.extend(found)
        skip, want = 0, want - len(found)
    return ranked


async def _ranked_filtered(
    session: AsyncSession,
    match: str,
    filters: Filters,
    *,
    sort: str,
    limit: int,
    offset: int,
) -> Found:
    conditions, params = filters.clauses()
    where = " AND ".join([f"{FTS_TABLE} MATCH :match", *conditions])
    source = (
        f"FROM {FTS_TABLE} JOIN {DOCS_TABLE} d ON d.docid = {FTS_TABLE}.rowid "
        f"JOIN papers p ON p.id = d.paper_id WHERE {where}"
    )
    params = {**params, "match": match}
    total = (await session.execute(text(f"SELECT count(*) {source}"), params)).scalar_one()
    if total == 0 or offset >= total:
        return Found(int(total), [])
    order = "score" if sort == "relevance" else "p.published DESC, p.id"
    rows = await session.execute(
        text(f"SELECT p.id, {_BM25} AS score {source} ORDER BY {order} "
             "LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset},
    )  # fmt: skip
    return Found(int(total), [(paper_id, -float(score)) for paper_id, score in rows])


async def _filtered_only(
    session: AsyncSession, query: Query, filters: Filters, *, limit: int, offset: int
) -> Found:
    conditions, params = filters.clauses()
    excluded = exclusion_expression(query)
    if excluded is not None:
        conditions.append(
            f"p.id NOT IN (SELECT d.paper_id FROM {FTS_TABLE} JOIN {DOCS_TABLE} d "
            f"ON d.docid = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH :excluded)"
        )
        params["excluded"] = excluded
    source = f"FROM papers p WHERE {' AND '.join(conditions)}"
    total = (await session.execute(text(f"SELECT count(*) {source}"), params)).scalar_one()
    rows = await session.execute(
        text(f"SELECT p.id {source} ORDER BY p.published DESC, p.id LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset},
    )
    return Found(int(total), [(paper_id, 0.0) for (paper_id,) in rows])

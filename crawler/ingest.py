"""The idempotent ingest: upserts paper records into the database, in batches.

Importing the same records twice changes nothing; a newer version of a paper replaces its
fields and adds a version; an older version than the one stored leaves the paper as it is;
a record of the same version only fills in what the stored paper lacks. The caller owns the
transaction, so that a failed import writes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, fields
from itertools import chain
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Dialect,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crawler.records import AnnouncementRecord, PaperRecord
from models.data_version import bump_data_version
from models.schema import (
    Announcement,
    AnnounceType,
    Author,
    Category,
    Paper,
    PaperAuthor,
    PaperCategory,
    PaperVersion,
    UTCDateTime,
)

BATCH_SIZE = 1000
T = TypeVar("T")
# SQLite fast path: rows per INSERT statement, and SQLite's limit on parameters (3.32+).
ROWS_PER_STATEMENT = 100
SQLITE_MAX_PARAMETERS = 32_000

# Called after each batch, in the batch's transaction, with the ids of the papers whose stored
# fields changed (new, replaced or filled in).
PapersChanged = Callable[[AsyncSession, list[str]], Awaitable[None]]


# Called in each batch with the records whose paper takes the record's fields (new or
# replaced), before they are written: work that needs the records alone, no database (the
# search index's analysis of the papers' texts, which ``papers_changed`` then finds done). It
# is done a short step at a time (each ``next``), between the waits for the batch's statements,
# so that the process works while the database server does (not on SQLite, which works in
# the process). ``whole``: whether ``papers_changed`` hears of these papers alone, so that work
# on them as a whole (the index's segment) is worth doing ahead; False when it hears of them
# later with others (an import's transaction of several files).
class PapersComing(Protocol):
    def __call__(self, records: list[PaperRecord], *, whole: bool = True) -> Iterator[None]: ...


@dataclass(frozen=True, slots=True)
class IngestHooks:
    """What else an ingest does with the papers it changed, handed in by the composition roots
    (the site's ``create_app``, the command line's ``cli.context.services``): the search index
    registers there, since the crawler must not depend on search."""

    papers_changed: PapersChanged | None = None
    papers_coming: PapersComing | None = None

    async def changed(self, session: AsyncSession, paper_ids: list[str]) -> None:
        if paper_ids and self.papers_changed is not None:
            await self.papers_changed(session, paper_ids)

    def coming(self, records: list[PaperRecord]) -> Iterator[None]:
        if records and self.papers_coming is not None:
            return self.papers_coming(records)
        return iter(())


NO_HOOKS = IngestHooks()


# Paper columns that a record of the same version may fill in when the stored paper lacks them.
FILLABLE = (
    "abstract",
    "primary_category",
    "published",
    "updated",
    "comment",
    "journal_ref",
    "doi",
    "report_no",
    "license",
)


@dataclass(slots=True)
class IngestCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    announcements: int = 0

    def add(self, other: IngestCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def papers(self) -> int:
        return self.new + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class StoredPaper:
    """What the ingest needs to know of a paper already in the database."""

    version: int
    values: dict[str, object]
    has_authors: bool
    has_categories: bool
    versions: frozenset[int]


@dataclass(frozen=True, slots=True)
class Plan:
    """What to write for one record: ``kind`` is new, replace, fill or unchanged."""

    kind: str
    paper_values: dict[str, object]
    write_authors: bool = False
    write_categories: bool = False
    new_versions: tuple[int, ...] = ()


def paper_values(record: PaperRecord) -> dict[str, object]:
    return {
        "id": record.arxiv_id,
        "version": record.version,
        "title": record.title,
        "abstract": record.abstract,
        "primary_category": record.primary_category
        or (record.categories[0] if record.categories else None),
        "published": record.published,
        "updated": record.updated,
        "comment": record.comment,
        "journal_ref": record.journal_ref,
        "doi": record.doi,
        "report_no": record.report_no,
        "license": record.license,
        "withdrawn": record.withdrawn,
    }


def _record_versions(record: PaperRecord) -> set[int]:
    return {v.version for v in record.versions} | {record.version}


def plan(record: PaperRecord, stored: StoredPaper | None) -> Plan:
    """Decide what a record changes, given what is stored (pure; no I/O)."""
    values = paper_values(record)
    if stored is None:
        return Plan(
            "new",
            values,
            write_authors=bool(record.authors),
            write_categories=bool(values["primary_category"] or record.categories),
            new_versions=tuple(sorted(_record_versions(record))) if record.version_exact else (),
        )
    missing_versions = tuple(sorted(_record_versions(record) - stored.versions))
    if not record.version_exact:
        # The source gives only a lower bound of the version (OAI ``arXiv`` format): it may
        # fill in what is missing, never replace what a versioned source stored.
        missing_versions = ()
    elif record.version > stored.version:
        return Plan(
            "replace",
            values,
            write_authors=bool(record.authors),
            write_categories=bool(values["primary_category"] or record.categories),
            new_versions=missing_versions,
        )
    if record.version_exact and record.version < stored.version:
        return Plan("unchanged", {})
    fill = {
        name: values[name]
        for name in FILLABLE
        if values[name] not in (None, "") and stored.values.get(name) in (None, "")
    }
    if record.withdrawn and not stored.values.get("withdrawn"):
        fill["withdrawn"] = True
    write_authors = bool(record.authors) and not stored.has_authors
    write_categories = bool(record.categories) and not stored.has_categories
    if not (fill or write_authors or write_categories or missing_versions):
        return Plan("unchanged", {})
    return Plan(
        "fill",
        fill,
        write_authors=write_authors,
        write_categories=write_categories,
        new_versions=missing_versions,
    )


def announcement_rows(record: PaperRecord) -> list[dict[str, object]]:
    """One row per category in which the feed listed the paper, typed as arXiv lists it."""
    ann: AnnouncementRecord | None = record.announcement
    if ann is None:
        return []
    categories = list(record.categories) or (
        [record.primary_category] if record.primary_category else []
    )
    matching = [c for c in categories if _in_feed(c, ann.feed_categories)] or categories
    primary = record.primary_category or (categories[0] if categories else None)
    rows = []
    for category in matching:
        kind = AnnounceType(ann.type)
        if category != primary and kind is AnnounceType.NEW:
            kind = AnnounceType.CROSS
        elif category != primary and kind is AnnounceType.REPLACE:
            kind = AnnounceType.REPLACE_CROSS
        rows.append(
            {
                "paper_id": record.arxiv_id,
                "category": category,
                "announced_on": ann.announced_on,
                "type": kind,
                "version": record.version,
            }
        )
    return rows


def _in_feed(category: str, feed_categories: tuple[str, ...]) -> bool:
    return any(category == f or category.startswith(f + ".") for f in feed_categories)


def _batches(records: Iterable[PaperRecord], size: int) -> Iterator[list[PaperRecord]]:
    """Batches in which each paper appears once (a repeated id starts a new batch)."""
    batch: list[PaperRecord] = []
    ids: set[str] = set()
    for record in records:
        if len(batch) >= size or record.arxiv_id in ids:
            yield batch
            batch, ids = [], set()
        batch.append(record)
        ids.add(record.arxiv_id)
    if batch:
        yield batch


async def ingest(
    session: AsyncSession,
    records: Iterable[PaperRecord],
    *,
    crawl_run_id: int | None = None,
    batch_size: int = BATCH_SIZE,
    hooks: IngestHooks = NO_HOOKS,
) -> IngestCounts:
    """Upsert ``records`` in batches inside the caller's transaction; returns the counts.

    ``hooks`` run after each batch that changed papers, in the same transaction. When papers
    or announcements changed, the stored data version moves forward (once, at the end)."""
    counts = IngestCounts()
    for batch in _batches(records, batch_size):
        counts.add(await _ingest_batch(session, batch, crawl_run_id, hooks))
    if counts.new or counts.updated or counts.announcements:
        await bump_data_version(session)
    return counts


def _among(session: AsyncSession, column: ColumnElement, values: list) -> ColumnElement[bool]:
    """``column IN values``; on SQLite the values travel as one JSON parameter, on
    PostgreSQL as one array.

    A plain IN renders one placeholder per value at every execution, which costs more than
    the query itself for batches of hundreds of ids.
    """
    if session.bind.dialect.name == "sqlite":
        table = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued(
            "value"
        )
        return column.in_(select(table.c.value))
    if session.bind.dialect.name == "postgresql":
        # One array parameter: the statement stays the same whatever the number of values.
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


async def _load_stored(session: AsyncSession, ids: list[str]) -> dict[str, StoredPaper]:
    # Core statements on the connection: the ORM's row handling costs more than the query.
    connection = await session.connection()
    papers = Paper.__table__.c
    columns = [papers.id, papers.version, papers.withdrawn, *(papers[n] for n in FILLABLE)]
    rows = await connection.execute(select(*columns).where(_among(session, papers.id, ids)))
    rows = rows.all()
    if not rows:
        return {}
    ids = [row.id for row in rows]
    authors = PaperAuthor.__table__.c
    with_authors = set(
        (
            await connection.execute(
                select(authors.paper_id).where(_among(session, authors.paper_id, ids)).distinct()
            )
        ).scalars()
    )
    categories = PaperCategory.__table__.c
    with_categories = set(
        (
            await connection.execute(
                select(categories.paper_id)
                .where(_among(session, categories.paper_id, ids))
                .distinct()
            )
        ).scalars()
    )
    versions: dict[str, set[int]] = {}
    stored_versions = PaperVersion.__table__.c
    for paper_id, version in await connection.execute(
        select(stored_versions.paper_id, stored_versions.version).where(
            _among(session, stored_versions.paper_id, ids)
        )
    ):
        versions.setdefault(paper_id, set()).add(version)
    stored = {}
    for row in rows:
        mapping = row._mapping
        stored[row.id] = StoredPaper(
            version=row.version,
            values={n: mapping[n] for n in (*FILLABLE, "withdrawn")},
            has_authors=row.id in with_authors,
            has_categories=row.id in with_categories,
            versions=frozenset(versions.get(row.id, ())),
        )
    return stored


async def _ingest_batch(
    session: AsyncSession, batch: list[PaperRecord], crawl_run_id: int | None, hooks: IngestHooks
) -> IngestCounts:
    stored = await _load_stored(session, [r.arxiv_id for r in batch])
    plans = [(record, plan(record, stored.get(record.arxiv_id))) for record in batch]
    if session.bind.dialect.name == "sqlite":
        # SQLite writes in this process, under its interpreter lock: nothing to overlap.
        counts = await _write_batch(session, plans, crawl_run_id)
    else:
        coming = hooks.coming([record for record, p in plans if p.kind in ("new", "replace")])
        counts = await alongside(_write_batch(session, plans, crawl_run_id), coming)
    await hooks.changed(session, [record.arxiv_id for record, p in plans if p.kind != "unchanged"])
    return counts


async def alongside(work: Awaitable[T], steps: Iterator[None]) -> T:
    """``work``'s result, ``steps`` taken while it waits (one step between two of its turns on
    the event loop), the rest of them after it.

    The steps run on the event loop itself, not in a thread: they hold it a short while each,
    without taking the interpreter's lock from ``work`` at every answer it waits for. A step
    that fails cancels ``work``."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.sleep(0)  # the work starts first (its first statement on its way)
        for _ in steps:
            if task.done():
                break
            await asyncio.sleep(0)
        result = await task
        for _ in steps:
            pass
        return result
    except BaseException:
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        raise


async def _write_batch(
    session: AsyncSession, plans: list[tuple[PaperRecord, Plan]], crawl_run_id: int | None
) -> IngestCounts:
    counts = IngestCounts()
    now = dt.datetime.now(dt.UTC)
    new_rows, replace_rows, fills = [], [], []
    for record, p in plans:
        if p.kind == "new":
            counts.new += 1
            new_rows.append({**p.paper_values, "created_at": now, "modified_at": now})
        elif p.kind == "replace":
            counts.updated += 1
            replace_rows.append({**p.paper_values, "modified_at": now})
        elif p.kind == "fill":
            counts.updated += 1
            fills.append((record.arxiv_id, {**p.paper_values, "modified_at": now}))
        else:
            counts.unchanged += 1

    category_codes = {
        c
        for record, p in plans
        if p.write_categories or record.announcement
        for c in (*record.categories, record.primary_category)
        if c
    }
    if category_codes:
        await _insert_ignore(session, Category.__table__, [{"code": c} for c in category_codes])

    if new_rows:
        await _insert(session, Paper.__table__, new_rows)
    if replace_rows:
        await _update_papers(session, replace_rows)
    for paper_id, values in fills:
        await session.execute(update(Paper).where(Paper.id == paper_id).values(**values))

    rewrite_authors = [r for r, p in plans if p.write_authors]
    rewrite_categories = [r for r, p in plans if p.write_categories]
    await _write_authors(
        session, rewrite_authors, replace=[r.arxiv_id for r, p in plans if p.kind == "replace"]
    )
    await _write_categories(
        session, rewrite_categories, replace=[r.arxiv_id for r, p in plans if p.kind == "replace"]
    )
    # A new paper has no versions stored yet: its rows go in without looking for collisions.
    new_versions = [
        row
        for record, p in plans
        if p.kind == "new"
        for row in _version_rows(record, p.new_versions)
    ]
    await _insert(session, PaperVersion.__table__, new_versions)
    version_rows = [
        row
        for record, p in plans
        if p.kind != "new"
        for row in _version_rows(record, p.new_versions)
    ]
    if version_rows:
        await _insert_ignore(session, PaperVersion.__table__, version_rows)

    announcements = [row for record, _ in plans for row in announcement_rows(record)]
    if announcements:
        for row in announcements:
            row["crawl_run_id"] = crawl_run_id
        counts.announcements = await _insert_ignore(session, Announcement.__table__, announcements)
    return counts


def _version_rows(record: PaperRecord, versions: tuple[int, ...]) -> list[dict[str, object]]:
    if not versions:
        return []
    known = {v.version: v for v in record.versions}
    rows = []
    for version in versions:
        info = known.get(version)
        rows.append(
            {
                "paper_id": record.arxiv_id,
                "version": version,
                "submitted": info.submitted if info else None,
                "size": info.size if info else None,
                "source_type": info.source_type if info else None,
            }
        )
    return rows


async def _update_papers(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    table = Paper.__table__
    if session.bind.dialect.name == "postgresql":
        names = list(rows[0])
        arrays, casts = _postgresql_arrays(session, table, names, rows)
        assignments = ", ".join(f"{n} = u.{n}" for n in names if n != "id")
        await _execute_postgresql(
            session,
            f"UPDATE {table.name} SET {assignments} FROM unnest({casts}) AS u({', '.join(names)})"
            f" WHERE {table.name}.id = u.id",
            arrays,
        )
        return
    names = [k for k in rows[0] if k != "id"]
    statement = (
        table.update()
        .where(table.c.id == bindparam("_id"))
        .values({n: bindparam(f"_{n}") for n in names})
    )
    await session.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in rows])


async def _write_authors(
    session: AsyncSession, records: list[PaperRecord], *, replace: list[str]
) -> None:
    if replace:
        await session.execute(
            delete(PaperAuthor).where(_among(session, PaperAuthor.__table__.c.paper_id, replace))
        )
    if not records:
        return
    names = {a.name for r in records for a in r.authors}
    await _insert_ignore(session, Author.__table__, [{"name": n} for n in names])
    if session.bind.dialect.name == "sqlite":
        # SQLite looks each author's id up itself, row by row, in the same statement.
        await _execute_rows(
            session,
            "INSERT INTO paper_authors (paper_id, position, author_id, affiliation)",
            "(?, ?, (SELECT id FROM authors WHERE name = ?), ?)",
            [
                (r.arxiv_id, i, a.name, a.affiliation)
                for r in records
                for i, a in enumerate(r.authors)
            ],
        )
        return
    # PostgreSQL looks each author's id up itself (through the index on the name), in the
    # same statement.
    links = PaperAuthor.__table__
    rows = [
        {"paper_id": r.arxiv_id, "position": i, "author_id": a.name, "affiliation": a.affiliation}
        for r in records
        for i, a in enumerate(r.authors)
    ]
    arrays, _ = _postgresql_arrays(session, links, ["paper_id", "position", "affiliation"], rows)
    arrays.insert(2, [row["author_id"] for row in rows])
    await _execute_postgresql(
        session,
        "INSERT INTO paper_authors (paper_id, position, author_id, affiliation)"
        " SELECT u.paper_id, u.position, (SELECT id FROM authors WHERE name = u.name),"
        " u.affiliation FROM unnest($1::VARCHAR[], $2::INTEGER[], $3::VARCHAR[], $4::TEXT[])"
        " AS u(paper_id, position, name, affiliation)",
        arrays,
    )


async def _write_categories(
    session: AsyncSession, records: list[PaperRecord], *, replace: list[str]
) -> None:
    if replace:
        await session.execute(
            delete(PaperCategory).where(
                _among(session, PaperCategory.__table__.c.paper_id, replace)
            )
        )
    rows = []
    for r in records:
        primary = r.primary_category or (r.categories[0] if r.categories else None)
        ordered = list(dict.fromkeys([c for c in (primary, *r.categories) if c]))
        rows.extend(
            {"paper_id": r.arxiv_id, "category": c, "position": i, "is_primary": c == primary}
            for i, c in enumerate(ordered)
        )
    await _insert(session, PaperCategory.__table__, rows)


async def _insert_ignore(session: AsyncSession, table: Table, rows: list[dict]) -> int:
    """Insert rows, skipping those that collide with a unique key; returns how many went in."""
    return await _insert(session, table, rows, ignore=True)


async def _insert(
    session: AsyncSession, table: Table, rows: list[dict], *, ignore: bool = False
) -> int:
    """Insert rows (all with the same keys) in one statement; returns how many went in.

    On SQLite the rows go to the driver as tuples, converted by the columns' own bind
    processors: SQLAlchemy's per-row parameter handling would otherwise cost more than the
    insert itself.
    """
    if not rows:
        return 0
    dialect = session.bind.dialect
    if dialect.name == "postgresql":
        return await _insert_postgresql(session, table, rows, ignore=ignore)
    if dialect.name != "sqlite":
        if not ignore:
            await session.execute(table.insert(), rows)
            return len(rows)
        from sqlalchemy.dialects.postgresql import insert

        # RETURNING makes SQLAlchemy send many rows per statement and tells which went in
        # (an executemany's row count is not reliable on PostgreSQL's drivers).
        statement = insert(table).on_conflict_do_nothing().returning(literal_column("1"))
        result = await session.execute(statement, rows)
        return len(result.all())
    names = list(rows[0])
    defaults = _scalar_defaults(table, rows[0])
    head = (
        f"INSERT {'OR IGNORE ' if ignore else ''}INTO {table.name} "
        f"({', '.join([*names, *defaults])})"
    )
    placeholders = f"({', '.join('?' * (len(names) + len(defaults)))})"
    fixed = tuple(defaults.values())
    get = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    memo: dict[Any, Any] = {}  # a batch repeats its timestamp in every row
    converters = [
        (i, convert)
        for i, convert in enumerate(_sqlite_converter(table.c[n], dialect, memo) for n in names)
        if convert is not None
    ]
    params = []
    for row in rows:
        values = get(row)
        if converters:
            values = list(values)
            for i, convert in converters:
                if values[i] is not None:
                    values[i] = convert(values[i])
            values = tuple(values)
        params.append(values + fixed if fixed else values)
    return await _execute_rows(session, head, placeholders, params)


def _scalar_defaults(table: Table, given: dict) -> dict[str, object]:
    """The scalar defaults of the columns of ``table`` that ``given`` leaves out."""
    return {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in given and c.default is not None and c.default.is_scalar
    }


def _postgresql_arrays(
    session: AsyncSession, table: Table, names: list[str], rows: list[dict]
) -> tuple[list[list], str]:
    """One list per column of ``names`` (values bound as SQLAlchemy binds them) and the
    ``$1::TYPE[], ...`` that ``unnest`` reads them with."""
    dialect = session.bind.dialect
    arrays, casts = [], []
    for i, name in enumerate(names, start=1):
        column = table.c[name]
        convert = column.type._cached_bind_processor(dialect)
        values = [row[name] for row in rows]
        if convert is not None:
            values = [None if v is None else convert(v) for v in values]
        arrays.append(values)
        casts.append(f"${i}::{column.type.compile(dialect=dialect)}[]")
    return arrays, ", ".join(casts)


async def _execute_postgresql(session: AsyncSession, statement: str, arrays: list[list]) -> int:
    """``statement`` with one array parameter per column; returns the number of rows changed."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(statement, tuple(arrays))
    return max(result.rowcount, 0)


async def _insert_postgresql(
    session: AsyncSession, table: Table, rows: list[dict], *, ignore: bool
) -> int:
    """Insert rows on PostgreSQL; returns how many went in.

    Plain inserts go in by COPY, the fastest way in (measured against the ``unnest`` insert
    below); those that skip collisions go in one ``INSERT ... SELECT FROM unnest(arrays)
    ON CONFLICT DO NOTHING``, which is the same size whatever the number of rows."""
    fixed = _scalar_defaults(table, rows[0])
    if fixed:
        rows = [{**row, **fixed} for row in rows]
    names = list(rows[0])
    if not ignore:
        await _copy_postgresql(session, table, names, rows)
        return len(rows)
    arrays, casts = _postgresql_arrays(session, table, names, rows)
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({casts})"
        " ON CONFLICT DO NOTHING"
    )
    return await _execute_postgresql(session, statement, arrays)


async def _copy_postgresql(
    session: AsyncSession, table: Table, names: list[str], rows: list[dict]
) -> None:
    """COPY ``rows`` into ``table`` (``copy_records``), each value bound as SQLAlchemy would."""
    dialect = session.bind.dialect
    get = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    converters = []
    for i, name in enumerate(names):
        convert = table.c[name].type._cached_bind_processor(dialect)
        if convert is not None and isinstance(table.c[name].type, UTCDateTime):
            convert = _memoized(convert)  # a batch repeats its timestamps in every row
        if convert is not None:
            converters.append((i, convert))
    records = [get(row) for row in rows]
    if converters:
        for at, values in enumerate(records):
            converted = list(values)
            for i, convert in converters:
                if converted[i] is not None:
                    converted[i] = convert(converted[i])
            records[at] = tuple(converted)
    await copy_records(session, table.name, names, records)


def _memoized(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[Any, Any] = {}

    def memoized(value: Any) -> Any:
        result = memo.get(value)
        if result is None:
            result = memo[value] = convert(value)
        return result

    return memoized


async def copy_records(
    session: AsyncSession, table: str, names: Sequence[str], records: list[tuple]
) -> None:
    """COPY ``records`` (tuples of the values of the columns ``names``, as asyncpg binds them)
    into ``table`` through asyncpg, in the session's transaction."""
    await _on_asyncpg(
        session,
        f"COPY {table}",
        lambda connection: connection.copy_records_to_table(
            table, records=records, columns=list(names)
        ),
    )


async def fetch_records(session: AsyncSession, statement: str, params: Sequence[object]) -> list:
    """The rows of ``statement`` (asyncpg's form: ``$1, $2, ...``) fetched by asyncpg itself,
    in the session's transaction: asyncpg's records, without SQLAlchemy's rows around them."""
    return await _on_asyncpg(
        session, statement, lambda connection: connection.fetch(statement, *params)
    )


async def _on_asyncpg(
    session: AsyncSession, what: str, call: Callable[[Any], Awaitable[Any]]
) -> Any:
    """``call`` on the session's asyncpg connection, in its transaction.

    SQLAlchemy's asyncpg adapter opens its transaction at its first statement: ``call`` runs
    as the adapter's statements do (under its lock, opening the transaction first), and fails
    as they fail, with SQLAlchemy's ``DBAPIError``."""
    dialect = session.bind.dialect
    connection = await session.connection()
    adapter = (await connection.get_raw_connection()).dbapi_connection
    try:
        try:
            async with adapter._execute_mutex:
                if adapter._transaction is None:
                    await adapter._start_transaction()
                return await call(adapter._connection)
        except Exception as error:
            adapter._handle_exception(error)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(what, None, error, dialect.loaded_dbapi.Error) from error


async def _execute_rows(
    session: AsyncSession, head: str, placeholders: str, rows: list[tuple]
) -> int:
    """``head VALUES placeholders`` for every row, several rows per statement; returns the
    number of rows changed.

    Many rows per statement make SQLite insert them in one step, without going back to
    Python (and to the GIL) between rows.
    """
    if not rows:
        return 0
    per_statement = max(1, min(ROWS_PER_STATEMENT, SQLITE_MAX_PARAMETERS // len(rows[0])))
    connection = await session.connection()
    changed = 0
    whole = len(rows) - len(rows) % per_statement
    if whole:
        statement = f"{head} VALUES {', '.join([placeholders] * per_statement)}"
        groups = [
            tuple(chain.from_iterable(rows[start : start + per_statement]))
            for start in range(0, whole, per_statement)
        ]
        result = await connection.exec_driver_sql(statement, groups)
        changed += max(result.rowcount, 0)
    if whole < len(rows):
        rest = rows[whole:]
        statement = f"{head} VALUES {', '.join([placeholders] * len(rest))}"
        result = await connection.exec_driver_sql(statement, tuple(chain.from_iterable(rest)))
        changed += max(result.rowcount, 0)
    return changed


def _sqlite_converter(
    column: Column, dialect: Dialect, memo: dict[Any, Any]
) -> Callable[[Any], Any] | None:
    """How a value of ``column`` is bound on SQLite: as SQLAlchemy would bind it."""
    if isinstance(column.type, Boolean):
        return None  # sqlite3 binds a bool as the integer SQLAlchemy would
    if isinstance(column.type, UTCDateTime):

        def convert(value: dt.datetime) -> str:
            text = memo.get(value)
            if text is None:
                text = memo[value] = _sqlite_utc(value)
            return text

        return convert
    return column.type._cached_bind_processor(dialect)


def _sqlite_utc(value: dt.datetime) -> str:
    """``UTCDateTime`` as stored on SQLite (the format of SQLAlchemy's SQLite DATETIME)."""
    zone = value.tzinfo
    if zone is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
    if zone is not dt.UTC:
        value = value.astimezone(dt.UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff", without the "+00:00" isoformat appends.
    return value.isoformat(" ", "microseconds")[:26]

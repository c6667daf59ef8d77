"""Copying an installation's database to another one (SQLite to PostgreSQL, or back).

Every table is copied in dependency order, in batches read by primary key (keyset pages), so
that a copy that stopped resumes after the last key the target holds; a row the target
already has is skipped. The search index's tables are plain tables of bytes and are copied
as they are. On PostgreSQL the sequences behind integer keys are set past the copied ids.
The copy ends by comparing the row counts of every table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import models  # noqa: F401  (registers every table of the schema)
from models.schema import Base

# The search index's tables (created by migrations, not declared as models).
SEARCH_METADATA = MetaData()
SEARCH_TABLES = (
    Table(
        "search_docs",
        SEARCH_METADATA,
        Column("docid", BigInteger, primary_key=True),
        Column("paper_id", String(64), nullable=False),
        Column("digest", LargeBinary, nullable=False),
        Column("length", Integer, nullable=False),
        Column("day", Integer, nullable=False),
    ),
    Table(
        "search_deleted",
        SEARCH_METADATA,
        Column("seq", BigInteger, primary_key=True),
        Column("docid", BigInteger, nullable=False),
    ),
    Table(
        "search_segments",
        SEARCH_METADATA,
        Column("segment", BigInteger, primary_key=True),
        Column("first_docid", BigInteger, nullable=False),
        Column("last_docid", BigInteger, nullable=False),
        Column("docs", Integer, nullable=False),
        Column("terms", LargeBinary, nullable=False),
    ),
    Table(
        "search_postings",
        SEARCH_METADATA,
        # No primary key: (term, segment, df) is its unique index.
        Column("term", Text, primary_key=True),
        Column("segment", BigInteger, primary_key=True),
        Column("df", Integer, primary_key=True),
        Column("last_docid", BigInteger, nullable=False),
        Column("docs", LargeBinary, nullable=False),
        Column("positions", LargeBinary, nullable=False),
    ),
    Table(
        "search_meta",
        SEARCH_METADATA,
        Column("name", Text, primary_key=True),
        Column("value", Text, nullable=False),
    ),
    Table(
        "search_snapshot",
        SEARCH_METADATA,
        Column("upto", BigInteger, primary_key=True),
        Column("deleted_upto", BigInteger, nullable=False),
        Column("alive", LargeBinary, nullable=False),
        Column("lengths", LargeBinary, nullable=False),
        Column("days", LargeBinary, nullable=False),
    ),
)
# Tables whose target rows are replaced by the source's rather than kept: the search index's
# identity and its papers' arrays belong with the index's contents.
REPLACED = frozenset({"search_meta", "search_snapshot"})

DEFAULT_BATCH = 1000


def tables() -> list[Table]:
    """Every table to copy, each after the tables it refers to."""
    return [*Base.metadata.sorted_tables, *SEARCH_TABLES]


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True, slots=True)
class CopyReport:
    copied: dict[str, int]  # rows inserted by this run, per table
    counts: list[TableCount]  # rows on both sides at the end

    @property
    def mismatched(self) -> list[TableCount]:
        return [count for count in self.counts if not count.matches]


# Told (table, rows the target holds of it, rows of the source) before and after each batch.
Progress = Callable[[str, int, int], None]


def _nothing(table: str, done: int, total: int) -> None:
    return None


def _key(table: Table, dialect: str) -> list[Any]:
    """The table's key columns, ordered the same way on both backends (bytewise for text)."""
    columns: list[Any] = []
    for column in table.primary_key.columns:
        if dialect == "postgresql" and isinstance(column.type, (String, Text)):
            columns.append(column.collate("C"))
        else:
            columns.append(column)
    return columns


def _after(table: Table, dialect: str, last: Sequence[Any] | None) -> Any:
    key = _key(table, dialect)
    if last is None:
        return None
    if len(key) == 1:
        return key[0] > last[0]
    return tuple_(*key) > tuple_(*last)


async def _count(connection: AsyncConnection, table: Table) -> int:
    return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def _last_key(connection: AsyncConnection, table: Table) -> tuple[Any, ...] | None:
    key = _key(table, connection.dialect.name)
    query = select(*table.primary_key.columns).order_by(*(k.desc() for k in key)).limit(1)
    row = (await connection.execute(query)).first()
    return tuple(row) if row is not None else None


def _insert(table: Table, dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)


async def copy_table(
    source: AsyncEngine,
    target: AsyncEngine,
    table: Table,
    *,
    batch: int = DEFAULT_BATCH,
    progress: Progress = _nothing,
) -> int:
    """Copy the rows of ``table`` the target lacks, one committed batch at a time."""
    source_dialect = source.dialect.name
    async with source.connect() as connection:
        total = await _count(connection, table)
    if table.name in REPLACED:
        async with target.begin() as connection:
            await connection.execute(delete(table))
        last = None
    else:
        async with target.connect() as connection:
            last = await _last_key(connection, table)
    async with source.connect() as connection:
        after = _after(table, source_dialect, last)
        remaining = total
        if after is not None:
            query = select(func.count()).select_from(table).where(after)
            remaining = int(await connection.scalar(query) or 0)
    done = total - remaining
    progress(table.name, done, total)
    statement = _insert(table, target.dialect.name)
    copied = 0
    while True:
        query = select(table).order_by(*_key(table, source_dialect)).limit(batch)
        after = _after(table, source_dialect, last)
        if after is not None:
            query = query.where(after)
        async with source.connect() as connection:
            rows = [dict(row._mapping) for row in await connection.execute(query)]
        if not rows:
            return copied
        async with target.begin() as connection:
            await connection.execute(statement, rows)
        copied += len(rows)
        done += len(rows)
        progress(table.name, done, total)
        last = tuple(rows[-1][column.name] for column in table.primary_key.columns)


async def set_sequences(target: AsyncEngine, copied: Sequence[Table]) -> None:
    """On PostgreSQL, move the sequence of each integer key past the largest copied id."""
    if target.dialect.name != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest id inserted
    async with target.begin() as connection:
        for table in copied:
            key = list(table.primary_key.columns)
            if len(key) != 1 or not isinstance(key[0].type, Integer):
                continue
            name = key[0].name
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{name}'),"
                    f' coalesce(max("{name}"), 0) + 1, false) FROM "{table.name}"'
                )
            )


async def count_rows(source: AsyncEngine, target: AsyncEngine) -> list[TableCount]:
    counts = []
    async with source.connect() as left, target.connect() as right:
        for table in tables():
            counts.append(
                TableCount(table.name, await _count(left, table), await _count(right, table))
            )
    return counts


async def copy_database(
    source: AsyncEngine,
    target: AsyncEngine,
    *,
    batch: int = DEFAULT_BATCH,
    progress: Progress = _nothing,
) -> CopyReport:
    """Copy every table from ``source`` to ``target`` (both at the latest migration)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    copied = {}
    for table in tables():
        copied[table.name] = await copy_table(source, target, table, batch=batch, progress=progress)
    await set_sequences(target, tables())
    return CopyReport(copied, await count_rows(source, target))

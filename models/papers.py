"""Papers as the paper page, the JSON API and the feeds read them: every field of ``Paper``
with its authors, categories and versions, read with two plain queries (the paper rows, then
their authors, categories and versions together), no ORM objects.

On SQLite both are run on the session's sqlite3 connection from the event loop's thread; on
PostgreSQL through SQLAlchemy Core, each statement built once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, field

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.plain import as_moment, driver_connection
from models.schema import Author, Paper, PaperAuthor, PaperCategory, PaperVersion, UTCDateTime


@dataclass(frozen=True, slots=True)
class StoredAuthor:
    name: str
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class StoredCategory:
    category: str
    is_primary: bool


@dataclass(frozen=True, slots=True)
class StoredVersion:
    version: int
    submitted: dt.datetime | None
    size: str | None
    source_type: str | None


@dataclass(slots=True)
class StoredPaper:
    """A paper with the attributes of ``Paper`` (authors, categories and versions in order)."""

    id: str
    version: int
    title: str
    abstract: str
    primary_category: str | None
    published: dt.datetime | None
    updated: dt.datetime | None
    comment: str | None
    journal_ref: str | None
    doi: str | None
    report_no: str | None
    license: str | None
    withdrawn: bool
    hidden: bool
    created_at: dt.datetime | None
    modified_at: dt.datetime | None
    authors: list[StoredAuthor] = field(default_factory=list)
    categories: list[StoredCategory] = field(default_factory=list)
    versions: list[StoredVersion] = field(default_factory=list)


_COLUMNS = (
    Paper.id,
    Paper.version,
    Paper.title,
    Paper.abstract,
    Paper.primary_category,
    Paper.published,
    Paper.updated,
    Paper.comment,
    Paper.journal_ref,
    Paper.doi,
    Paper.report_no,
    Paper.license,
    Paper.withdrawn,
    Paper.hidden,
    Paper.created_at,
    Paper.modified_at,
)
_CHUNK = 500  # ids per statement on PostgreSQL (each one a bound parameter)
AUTHOR, CATEGORY, VERSION = 0, 1, 2


def _details():
    """The authors, categories and versions of the papers ``ids`` in one statement: rows of
    (paper id, kind, order, text, text, flag, moment), by paper, kind and order."""
    ids = bindparam("ids", expanding=True)
    no_text = type_coerce(null(), Text)
    authors = (
        select(
            PaperAuthor.paper_id,
            literal(AUTHOR, Integer).label("kind"),
            PaperAuthor.position.label("rank"),
            type_coerce(Author.name, Text).label("text"),
            PaperAuthor.affiliation.label("more"),
            cast(null(), Boolean).label("flag"),
            cast(null(), UTCDateTime).label("moment"),
        )
        .join(Author, Author.id == PaperAuthor.author_id)
        .where(PaperAuthor.paper_id.in_(ids))
    )
    categories = select(
        PaperCategory.paper_id,
        literal(CATEGORY, Integer),
        PaperCategory.position,
        type_coerce(PaperCategory.category, Text),
        no_text,
        PaperCategory.is_primary,
        cast(null(), UTCDateTime),
    ).where(PaperCategory.paper_id.in_(ids))
    versions = select(
        PaperVersion.paper_id,
        literal(VERSION, Integer),
        PaperVersion.version,
        type_coerce(PaperVersion.size, String),
        type_coerce(PaperVersion.source_type, String),
        cast(null(), Boolean),
        PaperVersion.submitted,
    ).where(PaperVersion.paper_id.in_(ids))
    joined = union_all(authors, categories, versions).subquery()
    return select(joined).order_by(joined.c.paper_id, joined.c.kind, joined.c.rank)


# Built once: building a statement costs more than running it from the compiled cache.
_DETAILS = _details()
_ONE = select(*_COLUMNS).where(Paper.id == bindparam("id"))
_VISIBLE = select(*_COLUMNS).where(
    Paper.id.in_(bindparam("ids", expanding=True)), Paper.hidden.is_(False)
)


# On SQLite, the same reads on the session's sqlite3 connection from the event loop's thread
# (``models.db`` opens it without the same-thread check): short reads that would otherwise
# each cost two hops through aiosqlite's thread. A list of ids is one JSON parameter.
_IDS = "(SELECT value FROM json_each(?1))"
_SQLITE_COLUMNS = ", ".join(column.key for column in _COLUMNS)
_SQLITE_ONE = f"SELECT {_SQLITE_COLUMNS} FROM papers WHERE id = ?1"
_SQLITE_VISIBLE = f"SELECT {_SQLITE_COLUMNS} FROM papers WHERE id IN {_IDS} AND NOT hidden"
_SQLITE_DETAILS = (
    f"SELECT pa.paper_id, {AUTHOR}, pa.position, a.name, pa.affiliation, NULL, NULL"
    " FROM paper_authors pa JOIN authors a ON a.id = pa.author_id"
    f" WHERE pa.paper_id IN {_IDS}"
    f" UNION ALL SELECT paper_id, {CATEGORY}, position, category, NULL, is_primary, NULL"
    f" FROM paper_categories WHERE paper_id IN {_IDS}"
    f" UNION ALL SELECT paper_id, {VERSION}, version, size, source_type, NULL, submitted"
    f" FROM paper_versions WHERE paper_id IN {_IDS}"
    " ORDER BY 1, 2, 3"
)
_MOMENTS = tuple(i for i, c in enumerate(_COLUMNS) if isinstance(c.type, UTCDateTime))
_FLAGS = tuple(i for i, c in enumerate(_COLUMNS) if isinstance(c.type, Boolean))


def _sqlite_records(connection: sqlite3.Connection, rows: list[tuple]) -> dict[str, StoredPaper]:
    found: dict[str, StoredPaper] = {}
    for row in rows:
        values = list(row)
        for i in _MOMENTS:
            values[i] = as_moment(values[i])
        for i in _FLAGS:
            values[i] = bool(values[i])
        found[values[0]] = StoredPaper(*values)
    if found:
        details = connection.execute(_SQLITE_DETAILS, (json.dumps(list(found)),)).fetchall()
        _add_details(found, details, as_moment)
    return found


def _add_details(found: dict[str, StoredPaper], rows, moment=lambda value: value) -> None:
    for paper_id, kind, rank, text, more, flag, at in rows:
        paper = found[paper_id]
        if kind == AUTHOR:
            paper.authors.append(StoredAuthor(text, more))
        elif kind == CATEGORY:
            paper.categories.append(StoredCategory(text, bool(flag)))
        else:
            paper.versions.append(StoredVersion(rank, moment(at), text, more))


async def _records(session: AsyncSession, rows) -> dict[str, StoredPaper]:
    """The papers of ``rows`` (of ``_COLUMNS``) with their authors, categories and versions."""
    found = {row[0]: StoredPaper(*row) for row in rows}
    if found:
        _add_details(found, await session.execute(_DETAILS, {"ids": list(found)}))
    return found


async def read_paper(session: AsyncSession, arxiv_id: str) -> StoredPaper | None:
    """The paper ``arxiv_id`` (hidden or not), or None."""
    direct = await driver_connection(session)
    if direct is not None:
        rows = direct.execute(_SQLITE_ONE, (arxiv_id,)).fetchall()
        return _sqlite_records(direct, rows).get(arxiv_id)
    found = await _records(session, await session.execute(_ONE, {"id": arxiv_id}))
    return found.get(arxiv_id)


async def read_papers(session: AsyncSession, arxiv_ids: list[str]) -> list[StoredPaper]:
    """The visible papers among ``arxiv_ids``, in the order asked, each once."""
    wanted = list(dict.fromkeys(arxiv_ids))
    if not wanted:
        return []
    found: dict[str, StoredPaper] = {}
    direct = await driver_connection(session)
    if direct is not None:
        rows = direct.execute(_SQLITE_VISIBLE, (json.dumps(wanted),)).fetchall()
        found = _sqlite_records(direct, rows)
        return [found[i] for i in wanted if i in found]
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(await _records(session, await session.execute(_VISIBLE, {"ids": chunk})))
    return [found[i] for i in wanted if i in found]

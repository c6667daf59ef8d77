"""The text of papers as the index needs it: read with portable SQLAlchemy, or, for a
rebuild, as plain rows; with ``bodies``, also the body of each paper whose current version has
a stored full text (``fulltext.store``): its sections' titles and text."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crawler.ingest import fetch_records
from crawler.records import PaperRecord
from fulltext.document import FullText
from fulltext.store import decompress
from models.schema import Author, Paper, PaperAuthor
from search.dialect import IDS, Params, ids_parameter, to_postgresql
from search.loaded import read_rows


@dataclass(frozen=True, slots=True)
class PaperText:
    id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    hidden: bool = False
    modified_at: object = None  # the paper's modified_at when it was read
    published: dt.datetime | str | None = None  # text when read as plain rows
    body: str = ""  # the stored full text's sections ("" when none, or bodies are not read)


def record_text(record: PaperRecord) -> PaperText:
    """What the index reads of a paper known by its record only (before it is stored)."""
    return PaperText(
        record.arxiv_id,
        record.title or "",
        record.abstract or "",
        tuple(author.name for author in record.authors),
        published=record.published,
    )


def body_text(document: FullText) -> str:
    """What the index reads of a full text: each section's title and text."""
    return "\n\n".join(f"{s.title}\n\n{s.text}" if s.title else s.text for s in document.sections)


# The stored documents of the papers' current versions among a JSON list of ids.
_BODIES = (
    "SELECT f.paper_id, f.document FROM paper_fulltexts f JOIN papers p ON p.id = f.paper_id "
    "AND f.version = coalesce(p.version, 1) WHERE f.status = 'ok' AND f.document IS NOT NULL "
    "AND f.paper_id IN (SELECT value FROM json_each(?))"
)


def _bodies(rows: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    found = {}
    for paper_id, blob in rows:
        try:
            found[paper_id] = body_text(decompress(blob))
        except (ValueError, TypeError, KeyError, zlib.error):  # a damaged row: no body
            continue
    return found


async def paper_documents(session: AsyncSession, paper_ids: Sequence[str]) -> dict[str, FullText]:
    """The stored full text of each paper among ``paper_ids`` whose current version has one."""
    if not paper_ids:
        return {}
    return documents_of(await read_rows(session, _BODIES, (ids_parameter(list(paper_ids)),)))


def documents_of(rows: Iterable[tuple[str, bytes]]) -> dict[str, FullText]:
    """``paper_id -> FullText`` of rows of stored documents (a damaged one left out)."""
    found = {}
    for paper_id, blob in rows:
        try:
            found[paper_id] = decompress(blob)
        except (ValueError, TypeError, KeyError, zlib.error):  # a damaged row: no body
            continue
    return found


async def paper_bodies(session: AsyncSession, paper_ids: Sequence[str]) -> dict[str, str]:
    """The body of each paper among ``paper_ids`` whose current version has a full text."""
    if not paper_ids:
        return {}
    return _bodies(await read_rows(session, _BODIES, (ids_parameter(list(paper_ids)),)))


def _with_bodies(texts: list[PaperText], bodies: dict[str, str]) -> list[PaperText]:
    return [replace(t, body=bodies[t.id]) if t.id in bodies else t for t in texts]


async def paper_texts(
    session: AsyncSession, paper_ids: Sequence[str], *, bodies: bool = False
) -> list[PaperText]:
    """The title, abstract and authors (and, with ``bodies``, the body) of the papers among
    ``paper_ids`` that exist."""
    if not paper_ids:
        return []
    ids = list(dict.fromkeys(paper_ids))
    rows = (
        await session.execute(
            select(
                Paper.id,
                Paper.title,
                Paper.abstract,
                Paper.hidden,
                Paper.modified_at,
                Paper.published,
            )
            .where(Paper.id.in_(ids))
            .order_by(Paper.id)  # docids follow ids, on every database
        )
    ).all()
    authors: dict[str, list[str]] = {}
    names = await session.execute(
        select(PaperAuthor.paper_id, Author.name)
        .join(Author, Author.id == PaperAuthor.author_id)
        .where(PaperAuthor.paper_id.in_(ids))
        .order_by(PaperAuthor.paper_id, PaperAuthor.position)
    )
    for paper_id, name in names:
        authors.setdefault(paper_id, []).append(name)
    texts = [
        PaperText(
            row.id,
            row.title or "",
            row.abstract or "",
            tuple(authors.get(row.id, ())),
            bool(row.hidden),
            row.modified_at,
            row.published,
        )
        for row in rows
    ]
    if not bodies:
        return texts
    return _with_bodies(texts, await paper_bodies(session, [t.id for t in texts if not t.hidden]))


_PAGE = (
    "SELECT id, title, abstract, hidden, modified_at, published FROM papers "
    "WHERE id > ? AND id <= ? ORDER BY id LIMIT ?"
)
_PAGE_AUTHORS = (
    "SELECT pa.paper_id, a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    "WHERE pa.paper_id > ? AND pa.paper_id <= ? ORDER BY pa.paper_id, pa.position"
)
_LAST_ID = "\U0010ffff"  # after every id


def _page_texts(rows: list[tuple], author_rows: Iterable[tuple]) -> list[PaperText]:
    authors: dict[str, list[str]] = {}
    for paper_id, name in author_rows:
        authors.setdefault(paper_id, []).append(name)
    return [
        PaperText(
            paper_id,
            title or "",
            abstract or "",
            tuple(authors.get(paper_id, ())),
            bool(hidden),
            modified_at,
            published,
        )
        for paper_id, title, abstract, hidden, modified_at, published in rows
    ]


async def paper_text_page(
    session: AsyncSession, after: str | None, size: int, *, bodies: bool = False
) -> list[PaperText]:
    """The next ``size`` papers after ``after`` in id order, read as plain rows with two
    queries, and a third for the bodies (what a rebuild reads; the stamps and dates stay as
    the database's text)."""
    rows = await read_rows(session, _PAGE, (after or "", _LAST_ID, size))
    if not rows:
        return []
    authors = await read_rows(session, _PAGE_AUTHORS, (after or "", rows[-1][0]))
    texts = _page_texts(rows, authors)
    if not bodies:
        return texts
    return _with_bodies(texts, await paper_bodies(session, [t.id for t in texts if not t.hidden]))


def read_paper_texts(
    connection: sqlite3.Connection, after: str, last: str, *, bodies: bool = False
) -> list[PaperText]:
    """``paper_text_page`` on a connection of one's own: the papers after ``after`` up to
    ``last`` (included)."""
    rows = connection.execute(_PAGE, (after, last, -1)).fetchall()
    texts = _page_texts(rows, connection.execute(_PAGE_AUTHORS, (after, last)))
    if not bodies:
        return texts
    ids = ids_parameter([t.id for t in texts if not t.hidden])
    return _with_bodies(texts, _bodies(connection.execute(_BODIES, (ids,))))


async def fetch_plain(session: AsyncSession, statement: str, params: Params = ()) -> list:
    """The rows of a statement (``search.dialect``'s form) read by the driver itself, as
    tuples (SQLite) or records (PostgreSQL), without SQLAlchemy's rows: for many rows."""
    if session.bind.dialect.name == "postgresql":
        statement, values = to_postgresql(statement, params)
        return await fetch_records(session, statement, values)
    return await read_rows(session, statement, params)


_TEXTS = (
    "SELECT id, title, abstract, hidden, modified_at, published FROM papers "
    f"WHERE id IN {IDS} ORDER BY id"
)
_TEXTS_AUTHORS = (
    "SELECT pa.paper_id, a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    f"WHERE pa.paper_id IN {IDS} ORDER BY pa.paper_id, pa.position"
)


async def paper_text_rows(
    session: AsyncSession, paper_ids: Sequence[str], *, bodies: bool = False
) -> list[PaperText]:
    """``paper_texts`` read as plain rows, as ``paper_text_page`` reads them (what an
    ingest's indexing reads: the stamps and dates stay as the database gives them)."""
    if not paper_ids:
        return []
    ids = (ids_parameter(list(dict.fromkeys(paper_ids))),)
    texts = _page_texts(
        await read_rows(session, _TEXTS, ids), await read_rows(session, _TEXTS_AUTHORS, ids)
    )
    if not bodies:
        return texts
    return _with_bodies(texts, await paper_bodies(session, [t.id for t in texts if not t.hidden]))


async def page_boundary(session: AsyncSession, after: str | None, size: int) -> str | None:
    """The id of the ``size``-th paper after ``after`` (the last one when fewer)."""
    rows = await read_rows(
        session,
        "SELECT max(id) FROM (SELECT id FROM papers WHERE id > ? ORDER BY id LIMIT ?)",
        (after or "", size),
    )
    return rows[0][0] if rows else None


async def modification_texts(session: AsyncSession, paper_ids: Sequence[str]) -> dict[str, object]:
    """Each existing paper's ``modified_at`` as the database's text (``paper_text_page``'s)."""
    rows = await read_rows(
        session,
        f"SELECT id, modified_at FROM papers WHERE id IN {IDS}",
        (ids_parameter(list(paper_ids)),),
    )
    return dict(rows)

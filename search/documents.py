"""The text of papers as the index needs it: read with portable SQLAlchemy, or, for a
rebuild, as plain rows."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import Author, Paper, PaperAuthor
from search.dialect import IDS, ids_parameter
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


async def paper_texts(session: AsyncSession, paper_ids: Sequence[str]) -> list[PaperText]:
    """The title, abstract and authors of the papers among ``paper_ids`` that exist."""
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
    return [
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


async def paper_text_page(session: AsyncSession, after: str | None, size: int) -> list[PaperText]:
    """The next ``size`` papers after ``after`` in id order, read as plain rows with two
    queries (what a rebuild reads; the stamps and dates stay as the database's text)."""
    rows = await read_rows(session, _PAGE, (after or "", _LAST_ID, size))
    if not rows:
        return []
    authors = await read_rows(session, _PAGE_AUTHORS, (after or "", rows[-1][0]))
    return _page_texts(rows, authors)


def read_paper_texts(connection: sqlite3.Connection, after: str, last: str) -> list[PaperText]:
    """``paper_text_page`` on a connection of one's own: the papers after ``after`` up to
    ``last`` (included)."""
    rows = connection.execute(_PAGE, (after, last, -1)).fetchall()
    return _page_texts(rows, connection.execute(_PAGE_AUTHORS, (after, last)))


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

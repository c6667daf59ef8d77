"""The text of papers as the index needs it, read with portable SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import Author, Paper, PaperAuthor


@dataclass(frozen=True, slots=True)
class PaperText:
    id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    hidden: bool = False
    modified_at: object = None  # the paper's modified_at when it was read
    published: dt.datetime | None = None


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
            ).where(Paper.id.in_(ids))
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


async def paper_id_batches(session: AsyncSession, after: str | None, size: int) -> list[str]:
    """The next ``size`` paper ids after ``after`` in id order (keyset paging)."""
    statement = select(Paper.id).order_by(Paper.id).limit(size)
    if after is not None:
        statement = statement.where(Paper.id > after)
    return list((await session.execute(statement)).scalars())


async def modification_stamps(session: AsyncSession, paper_ids: Sequence[str]) -> dict[str, object]:
    """Each existing paper's ``modified_at`` (what changes whenever its fields do)."""
    rows = await session.execute(
        select(Paper.id, Paper.modified_at).where(Paper.id.in_(list(paper_ids)))
    )
    return {paper_id: stamp for paper_id, stamp in rows}

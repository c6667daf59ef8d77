"""Read queries of the site and the CLI: one paper, the categories, a category's day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models.schema import Announcement, AnnounceType, Paper, PaperAuthor, PaperCategory


def _with_details(statement):
    return statement.options(
        selectinload(Paper.authors).joinedload(PaperAuthor.author),
        selectinload(Paper.categories),
        selectinload(Paper.versions),
    )


async def get_paper(session: AsyncSession, arxiv_id: str) -> Paper | None:
    """The paper with its authors, categories and versions, or None (hidden papers too)."""
    result = await session.execute(_with_details(select(Paper).where(Paper.id == arxiv_id)))
    return result.scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class CategoryCount:
    code: str
    papers: int


async def categories_with_papers(session: AsyncSession) -> list[CategoryCount]:
    rows = await session.execute(
        select(PaperCategory.category, func.count())
        .group_by(PaperCategory.category)
        .order_by(PaperCategory.category)
    )
    return [CategoryCount(code, n) for code, n in rows]


@dataclass(frozen=True, slots=True)
class ListedPaper:
    paper: Paper
    announce_type: AnnounceType | None  # None when the day comes from the publication date


@dataclass(frozen=True, slots=True)
class DayListing:
    categories: tuple[str, ...]
    day: dt.date | None
    papers: list[ListedPaper]
    from_announcements: bool


async def latest_announcement_day(
    session: AsyncSession, categories: tuple[str, ...]
) -> dt.date | None:
    return (
        await session.execute(
            select(func.max(Announcement.announced_on)).where(Announcement.category.in_(categories))
        )
    ).scalar_one()


async def category_day(
    session: AsyncSession, categories: tuple[str, ...], day: dt.date | None = None
) -> DayListing:
    """The papers of ``categories`` announced on ``day`` (default: the latest day).

    Papers known only from the search API or OAI-PMH have no announcement; a category
    without any announcement lists its papers by their first publication date instead.
    """
    announced = await latest_announcement_day(session, categories)
    if announced is not None:
        day = day or announced
        rows = await session.execute(
            _with_details(
                select(Paper, Announcement.type)
                .join(Announcement, Announcement.paper_id == Paper.id)
                .where(
                    Announcement.category.in_(categories),
                    Announcement.announced_on == day,
                    Paper.hidden.is_(False),
                )
                .order_by(Announcement.type, Paper.id)
            )
        )
        seen: dict[str, ListedPaper] = {}
        for paper, kind in rows:
            seen.setdefault(paper.id, ListedPaper(paper, kind))
        return DayListing(categories, day, list(seen.values()), True)

    in_categories = select(PaperCategory.paper_id).where(PaperCategory.category.in_(categories))
    published_day = func.date(Paper.published)
    if day is None:
        day_text = (
            await session.execute(
                select(func.max(published_day)).where(Paper.id.in_(in_categories))
            )
        ).scalar_one()
        if day_text is None:
            return DayListing(categories, None, [], False)
        day = dt.date.fromisoformat(str(day_text))
    rows = await session.execute(
        _with_details(
            select(Paper)
            .where(
                Paper.id.in_(in_categories),
                published_day == day.isoformat(),
                Paper.hidden.is_(False),
            )
            .order_by(Paper.id)
        )
    )
    return DayListing(categories, day, [ListedPaper(p, None) for p in rows.scalars()], False)

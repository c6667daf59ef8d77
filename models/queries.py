"""Read queries of the site and the CLI: papers, the categories, the lists of a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Date, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.papers import StoredPaper, direct_connection, read_paper, read_papers
from models.schema import (
    Announcement,
    AnnounceType,
    Author,
    Paper,
    PaperAuthor,
    PaperCategory,
)


async def get_paper(session: AsyncSession, arxiv_id: str) -> StoredPaper | None:
    """The paper with its authors, categories and versions, or None (hidden papers too)."""
    return await read_paper(session, arxiv_id)


@dataclass(frozen=True, slots=True)
class CategoryCount:
    code: str
    papers: int


async def categories_with_papers(session: AsyncSession) -> list[CategoryCount]:
    """arXiv's categories with their number of papers (not the venues' ``venue.*`` codes)."""
    rows = await session.execute(
        select(PaperCategory.category, func.count())
        .where(PaperCategory.category.not_like("venue.%"))
        .group_by(PaperCategory.category)
        .order_by(PaperCategory.category)
    )
    return [CategoryCount(code, n) for code, n in rows]


@dataclass(frozen=True, slots=True)
class ListedPaper:
    paper: PaperView
    announce_type: AnnounceType | None  # None when the day comes from the publication date


# arXiv's order within a day: new submissions, then cross-lists, then replacements.
TYPE_ORDER = {
    AnnounceType.NEW: 0,
    AnnounceType.CROSS: 1,
    AnnounceType.REPLACE: 2,
    AnnounceType.REPLACE_CROSS: 3,
}


@dataclass(frozen=True, slots=True)
class DayListing:
    """The papers of some categories on one day, each paper once.

    ``categories`` are merged, ``exclude`` removes the papers in any of its categories;
    ``type_counts`` counts the papers of each announcement type before ``types`` filtered them.
    """

    categories: tuple[str, ...]
    day: dt.date | None
    papers: list[ListedPaper]
    from_announcements: bool
    exclude: tuple[str, ...] = ()
    previous_day: dt.date | None = None
    next_day: dt.date | None = None
    type_counts: dict[AnnounceType, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuthorView:
    name: str


@dataclass(frozen=True, slots=True)
class CategoryView:
    category: str
    is_primary: bool


@dataclass(slots=True)
class PaperView:
    """A paper of a list, read without the ORM (a day can list hundreds of papers); it has
    the attributes of ``Paper`` that lists, feeds and the API read."""

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
    modified_at: dt.datetime | None
    authors: list[AuthorView] = field(default_factory=list)
    categories: list[CategoryView] = field(default_factory=list)
    versions: list[object] = field(default_factory=list)
    hidden: bool = False


_VIEW_COLUMNS = (
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
    Paper.modified_at,
)


async def _views(session: AsyncSession, ids: list[str]) -> dict[str, PaperView]:
    """The papers ``ids`` with their authors and categories, in three queries."""
    views: dict[str, PaperView] = {}
    for start in range(0, len(ids), 500):  # under SQLite's bound-parameter limit
        chunk = ids[start : start + 500]
        for row in await session.execute(select(*_VIEW_COLUMNS).where(Paper.id.in_(chunk))):
            views[row[0]] = PaperView(*row)
        authors = await session.execute(
            select(PaperAuthor.paper_id, Author.name)
            .join(Author, Author.id == PaperAuthor.author_id)
            .where(PaperAuthor.paper_id.in_(chunk))
            .order_by(PaperAuthor.paper_id, PaperAuthor.position)
        )
        for paper_id, name in authors:
            views[paper_id].authors.append(AuthorView(name))
        categories = await session.execute(
            select(PaperCategory.paper_id, PaperCategory.category, PaperCategory.is_primary)
            .where(PaperCategory.paper_id.in_(chunk))
            .order_by(PaperCategory.paper_id, PaperCategory.position)
        )
        for paper_id, category, is_primary in categories:
            views[paper_id].categories.append(CategoryView(category, is_primary))
    return views


def _not_in(exclude: tuple[str, ...]):
    return Paper.id.not_in(
        select(PaperCategory.paper_id).where(PaperCategory.category.in_(exclude))
    )


async def latest_announcement_day(
    session: AsyncSession, categories: tuple[str, ...]
) -> dt.date | None:
    return (
        await session.execute(
            select(func.max(Announcement.announced_on)).where(Announcement.category.in_(categories))
        )
    ).scalar_one()


async def _neighbour_days(session: AsyncSession, day_column, where, day: dt.date):
    before = await session.execute(select(func.max(day_column)).where(*where, day_column < day))
    after = await session.execute(select(func.min(day_column)).where(*where, day_column > day))
    return _as_date(before.scalar_one()), _as_date(after.scalar_one())


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


async def list_day(
    session: AsyncSession,
    categories: tuple[str, ...],
    day: dt.date | None = None,
    *,
    exclude: tuple[str, ...] = (),
    types: frozenset[AnnounceType] | None = None,
) -> DayListing:
    """The papers of ``categories`` announced on ``day`` (default: the latest day).

    A paper announced in several of the categories is listed once, under its first type in
    arXiv's order (new before cross-list before replacement). Papers known only from the
    search API or OAI-PMH have no announcement: categories without any announcement list
    their papers by their first publication date instead.
    """
    announced = await latest_announcement_day(session, categories)
    if announced is not None:
        day = day or announced
        where = [Announcement.category.in_(categories)]
        statement = (
            select(Paper.id, Announcement.type)
            .join(Announcement, Announcement.paper_id == Paper.id)
            .where(*where, Announcement.announced_on == day, Paper.hidden.is_(False))
        )
        if exclude:
            statement = statement.where(_not_in(exclude))
        kinds: dict[str, AnnounceType] = {}
        for paper_id, kind in await session.execute(statement):
            held = kinds.get(paper_id)
            if held is None or TYPE_ORDER[kind] < TYPE_ORDER[held]:
                kinds[paper_id] = kind
        views = await _views(session, list(kinds))
        best = {i: ListedPaper(views[i], kind) for i, kind in kinds.items()}
        listed = sorted(best.values(), key=lambda p: (TYPE_ORDER[p.announce_type], p.paper.id))
        counts: dict[AnnounceType, int] = {}
        for item in listed:
            counts[item.announce_type] = counts.get(item.announce_type, 0) + 1
        if types is not None:
            listed = [p for p in listed if p.announce_type in types]
        previous, following = await _neighbour_days(session, Announcement.announced_on, where, day)
        return DayListing(categories, day, listed, True, exclude, previous, following, counts)

    in_categories = select(PaperCategory.paper_id).where(PaperCategory.category.in_(categories))
    # A day on either database: SQLite's date() gives text, PostgreSQL's a date; typed as a
    # Date, both compare with and read back as a date.
    published_day = func.date(Paper.published, type_=Date)
    where = [Paper.id.in_(in_categories), Paper.hidden.is_(False)]
    if day is None:
        day = _as_date(
            (await session.execute(select(func.max(published_day)).where(*where))).scalar_one()
        )
        if day is None:
            return DayListing(categories, None, [], False, exclude)
    statement = select(Paper.id).where(*where, published_day == day)
    if exclude:
        statement = statement.where(_not_in(exclude))
    ids = list((await session.execute(statement.order_by(Paper.id))).scalars())
    views = await _views(session, ids)
    listed = [ListedPaper(views[i], None) for i in ids]
    previous, following = await _neighbour_days(session, published_day, where, day)
    return DayListing(categories, day, listed, False, exclude, previous, following)


async def get_papers(session: AsyncSession, arxiv_ids: list[str]) -> list[StoredPaper]:
    """The visible papers among ``arxiv_ids``, in the order asked, each once."""
    return await read_papers(session, arxiv_ids)


@dataclass(frozen=True, slots=True)
class PaperAnnouncement:
    day: dt.date
    category: str
    type: AnnounceType


_SQLITE_ANNOUNCEMENTS = (
    "SELECT announced_on, category, type FROM announcements WHERE paper_id = ?"
    " ORDER BY announced_on, category"
)


async def paper_announcements(session: AsyncSession, arxiv_id: str) -> list[PaperAnnouncement]:
    """Where and when ``arxiv_id`` was announced, by day then category."""
    direct = await direct_connection(session)
    if direct is not None:
        found = direct.execute(_SQLITE_ANNOUNCEMENTS, (arxiv_id,)).fetchall()
        return [PaperAnnouncement(_as_date(d), c, AnnounceType(t)) for d, c, t in found]
    rows = await session.execute(
        select(Announcement.announced_on, Announcement.category, Announcement.type)
        .where(Announcement.paper_id == arxiv_id)
        .order_by(Announcement.announced_on, Announcement.category)
    )
    return [PaperAnnouncement(*row) for row in rows]

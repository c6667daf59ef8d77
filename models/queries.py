"""Read queries of the site and the CLI: papers, the categories, the lists of a day."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Date, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.papers import StoredPaper, read_paper, read_papers
from models.plain import (
    IDS,
    as_day,
    as_moment,
    day_parameter,
    driver_connection,
    ids_parameter,
    read_rows,
)
from models.schema import (
    Announcement,
    AnnounceType,
    Paper,
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


ANNOUNCE_TYPES = {kind.value: kind for kind in AnnounceType}  # a dict: a tenth of the call's time

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


class AuthorView(NamedTuple):  # immutable, and made by the thousand a list: a named tuple
    name: str


class CategoryView(NamedTuple):
    category: str
    is_primary: bool


@dataclass(slots=True)
class PaperView:
    """A paper of a list, read without the ORM (a day can list hundreds of papers); it has
    the attributes of ``Paper`` that lists, feeds and the API read. Lighter than the paper
    page's ``models.papers.StoredPaper`` (no versions, fewer columns): 3 ms less a list."""

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


_VIEWS = (
    "SELECT id, version, title, abstract, primary_category, published, updated, comment,"
    " journal_ref, doi, modified_at FROM papers WHERE id IN " + IDS
)
_VIEW_AUTHORS = (
    "SELECT pa.paper_id, a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id"
    " WHERE pa.paper_id IN " + IDS + " ORDER BY pa.paper_id, pa.position"
)
_VIEW_CATEGORIES = (
    "SELECT paper_id, category, is_primary FROM paper_categories"
    " WHERE paper_id IN " + IDS + " ORDER BY paper_id, position"
)


VIEWS_KEPT = 5_000  # papers: about two days of every category's lists
# Each paper's view as last read, under its id, with the ``modified_at`` it was read at: every
# change of a paper (its text, authors or categories) moves ``modified_at``, so a view whose
# stamp matches the one read with the list's ids is the paper as stored. Shared by the lists
# of one process (a merged list, another language, a keyword filter: the same papers).
_kept_views: OrderedDict[str, tuple[dt.datetime | None, PaperView]] = OrderedDict()


async def paper_views(
    session: AsyncSession, stamps: dict[str, dt.datetime | None]
) -> dict[str, PaperView]:
    """The papers of ``stamps`` (id: ``modified_at`` as read with the ids) with their authors
    and categories: the views kept at the same stamp, the others in three plain reads (and
    kept for the next lists)."""
    views: dict[str, PaperView] = {}
    missing = []
    for paper_id, stamp in stamps.items():
        kept = _kept_views.get(paper_id)
        if kept is not None and kept[0] == stamp:
            views[paper_id] = kept[1]
            _kept_views.move_to_end(paper_id)
        else:
            missing.append(paper_id)
    if missing:
        read = await _read_views(session, missing)
        views.update(read)
        for paper_id, view in read.items():
            _kept_views[paper_id] = (view.modified_at, view)
        while len(_kept_views) > VIEWS_KEPT:
            _kept_views.popitem(last=False)
    return views


async def _read_views(session: AsyncSession, ids: list[str]) -> dict[str, PaperView]:
    """The papers ``ids`` with their authors and categories: three plain reads."""
    wanted = (ids_parameter(ids),)
    views: dict[str, PaperView] = {}
    for row in await read_rows(session, _VIEWS, wanted):
        paper_id, version, title, abstract, primary, published, updated = row[:7]
        comment, journal_ref, doi, modified_at = row[7:]
        views[paper_id] = PaperView(
            paper_id,
            version,
            title,
            abstract,
            primary,
            as_moment(published),
            as_moment(updated),
            comment,
            journal_ref,
            doi,
            as_moment(modified_at),
        )
    for paper_id, name in await read_rows(session, _VIEW_AUTHORS, wanted):
        views[paper_id].authors.append(AuthorView(name))
    for paper_id, category, is_primary in await read_rows(session, _VIEW_CATEGORIES, wanted):
        views[paper_id].categories.append(CategoryView(category, bool(is_primary)))
    return views


def _not_in(exclude: tuple[str, ...]):
    return Paper.id.not_in(
        select(PaperCategory.paper_id).where(PaperCategory.category.in_(exclude))
    )


_LATEST_DAY = "SELECT max(announced_on) FROM announcements WHERE category IN " + IDS
_ANNOUNCED = (
    "SELECT a.paper_id, a.type, p.modified_at FROM announcements a"
    " JOIN papers p ON p.id = a.paper_id"
    " WHERE a.category IN " + IDS + " AND a.announced_on = ? AND NOT p.hidden"
)
_EXCLUDED = (
    " AND a.paper_id NOT IN (SELECT paper_id FROM paper_categories WHERE category IN " + IDS + ")"
)
_NEIGHBOUR_DAYS = (
    "SELECT (SELECT max(announced_on) FROM announcements"
    " WHERE category IN " + IDS + " AND announced_on < ?),"
    " (SELECT min(announced_on) FROM announcements"
    " WHERE category IN " + IDS + " AND announced_on > ?)"
)


_NEWEST_DAY_PAPERS = (
    "SELECT DISTINCT p.id, p.modified_at FROM announcements a JOIN papers p ON p.id = a.paper_id"
    " WHERE a.announced_on = (SELECT max(announced_on) FROM announcements) AND NOT p.hidden"
    " ORDER BY p.id DESC LIMIT ?"
)


async def newest_day_papers(session: AsyncSession, most: int) -> dict[str, dt.datetime | None]:
    """The visible papers announced on the latest day in any category (at most ``most``, the
    latest ids first), each with its ``modified_at`` as ``paper_views`` takes them."""
    rows = await read_rows(session, _NEWEST_DAY_PAPERS, (most,))
    return {paper_id: as_moment(modified_at) for paper_id, modified_at in rows}


_NEWEST_DAY_CATEGORIES = (
    "SELECT category, count(*) FROM announcements"
    " WHERE announced_on = (SELECT max(announced_on) FROM announcements)"
    " GROUP BY category ORDER BY count(*) DESC, category"
)


async def newest_day_categories(session: AsyncSession) -> list[str]:
    """The categories with announcements on the latest day, the busiest first."""
    return [category for category, _ in await read_rows(session, _NEWEST_DAY_CATEGORIES)]


async def latest_announcement_day(
    session: AsyncSession, categories: tuple[str, ...]
) -> dt.date | None:
    ((day,),) = await read_rows(session, _LATEST_DAY, (ids_parameter(categories),))
    return as_day(day)


async def _neighbour_days(session: AsyncSession, day_column, where, day: dt.date):
    before = await session.execute(select(func.max(day_column)).where(*where, day_column < day))
    after = await session.execute(select(func.min(day_column)).where(*where, day_column > day))
    return as_day(before.scalar_one()), as_day(after.scalar_one())


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
        wanted = ids_parameter(categories)
        on_day = day_parameter(session, day)
        statement, params = _ANNOUNCED, [wanted, on_day]
        if exclude:
            statement += _EXCLUDED
            params.append(ids_parameter(exclude))
        kinds: dict[str, AnnounceType] = {}
        stamps: dict[str, dt.datetime | None] = {}
        for paper_id, value, modified_at in await read_rows(session, statement, params):
            kind = ANNOUNCE_TYPES.get(value) or AnnounceType(value)
            held = kinds.get(paper_id)
            if held is None or TYPE_ORDER[kind] < TYPE_ORDER[held]:
                kinds[paper_id] = kind
            stamps[paper_id] = as_moment(modified_at)
        views = await paper_views(session, stamps)
        best = {i: ListedPaper(views[i], kind) for i, kind in kinds.items() if i in views}
        listed = sorted(best.values(), key=lambda p: (TYPE_ORDER[p.announce_type], p.paper.id))
        counts: dict[AnnounceType, int] = {}
        for item in listed:
            counts[item.announce_type] = counts.get(item.announce_type, 0) + 1
        if types is not None:
            listed = [p for p in listed if p.announce_type in types]
        ((before, after),) = await read_rows(
            session, _NEIGHBOUR_DAYS, (wanted, on_day, wanted, on_day)
        )
        return DayListing(
            categories, day, listed, True, exclude, as_day(before), as_day(after), counts
        )

    in_categories = select(PaperCategory.paper_id).where(PaperCategory.category.in_(categories))
    # A day on either database: SQLite's date() gives text, PostgreSQL's a date; typed as a
    # Date, both compare with and read back as a date.
    published_day = func.date(Paper.published, type_=Date)
    where = [Paper.id.in_(in_categories), Paper.hidden.is_(False)]
    if day is None:
        day = as_day(
            (await session.execute(select(func.max(published_day)).where(*where))).scalar_one()
        )
        if day is None:
            return DayListing(categories, None, [], False, exclude)
    statement = select(Paper.id, Paper.modified_at).where(*where, published_day == day)
    if exclude:
        statement = statement.where(_not_in(exclude))
    stamps = {i: at for i, at in await session.execute(statement.order_by(Paper.id))}
    views = await paper_views(session, stamps)
    listed = [ListedPaper(views[i], None) for i in stamps if i in views]
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
    direct = await driver_connection(session)
    if direct is not None:
        found = direct.execute(_SQLITE_ANNOUNCEMENTS, (arxiv_id,)).fetchall()
        return [PaperAnnouncement(as_day(d), c, AnnounceType(t)) for d, c, t in found]
    rows = await session.execute(
        select(Announcement.announced_on, Announcement.category, Announcement.type)
        .where(Announcement.paper_id == arxiv_id)
        .order_by(Announcement.announced_on, Announcement.category)
    )
    return [PaperAnnouncement(*row) for row in rows]

"""A paper read with plain queries holds what the ORM's ``Paper`` holds: every column, its
authors (with affiliations), categories and versions in order; hidden papers only when asked
for one by id."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from crawler.ingest import ingest
from crawler.records import AnnouncementRecord, AuthorRecord, PaperRecord, VersionRecord
from models.papers import read_paper, read_papers
from models.queries import get_paper, get_papers, paper_announcements
from models.schema import Announcement, AnnounceType, Paper, PaperAuthor

UTC = dt.UTC


def record(arxiv_id: str, n: int) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=n,
        title=f"Paper {arxiv_id}",
        abstract=f"Abstract of {arxiv_id}.",
        authors=tuple(
            AuthorRecord(f"Author {arxiv_id} {i}", "ENS" if i % 2 else None) for i in range(n + 1)
        ),
        primary_category="cs.CL",
        categories=("cs.CL", "cs.LG", "stat.ML")[: n + 1],
        published=dt.datetime(2024, 1, 2, 18, 0, tzinfo=UTC),
        updated=dt.datetime(2024, 1, 2 + n, 18, 0, tzinfo=UTC) if n > 1 else None,
        comment="12 pages" if n == 2 else None,
        journal_ref="J. Tests 1" if n == 2 else None,
        doi="10.1/x" if n == 2 else None,
        report_no="R-1" if n == 2 else None,
        license="http://creativecommons.org/licenses/by/4.0/" if n == 2 else None,
        withdrawn=n == 3,
        versions=tuple(
            VersionRecord(v, dt.datetime(2024, 1, v, 9, 30, tzinfo=UTC), f"{v}0kb", "D")
            for v in range(1, n + 1)
        ),
    )


def as_orm(paper) -> dict[str, object]:
    """What the pages and the API read of a paper, from an ORM ``Paper`` or a record."""
    return {
        **{c.key: getattr(paper, c.key) for c in Paper.__table__.columns},
        "authors": [(a.name, a.affiliation) for a in paper.authors],
        "categories": [(c.category, c.is_primary) for c in paper.categories],
        "versions": [(v.version, v.submitted, v.size, v.source_type) for v in paper.versions],
    }


async def orm_papers(session, ids: list[str]) -> dict[str, Paper]:
    rows = await session.execute(
        select(Paper)
        .where(Paper.id.in_(ids))
        .options(
            selectinload(Paper.authors).joinedload(PaperAuthor.author),
            selectinload(Paper.categories),
            selectinload(Paper.versions),
        )
    )
    return {p.id: p for p in rows.scalars()}


IDS = ["2401.00001", "2401.00002", "2401.00003", "hep-th/9901001"]


async def test_records_hold_what_the_orm_holds(sessions):
    async with sessions.begin() as session:
        await ingest(session, [record(i, n) for n, i in enumerate(IDS)])
    async with sessions() as session:
        expected = {i: as_orm(p) for i, p in (await orm_papers(session, IDS)).items()}
        one = {i: await read_paper(session, i) for i in IDS}
        many = await read_papers(session, list(reversed(IDS)))
    assert {i: as_orm(p) for i, p in one.items()} == expected
    assert [p.id for p in many] == list(reversed(IDS))
    assert [as_orm(p) for p in many] == [expected[i] for i in reversed(IDS)]
    assert expected["2401.00003"]["versions"][1][1] == dt.datetime(2024, 1, 2, 9, 30, tzinfo=UTC)
    assert expected["2401.00002"]["authors"][1] == ("Author 2401.00002 1", "ENS")


async def test_hidden_papers_only_by_id_and_missing_ones_left_out(sessions):
    async with sessions.begin() as session:
        await ingest(session, [record(i, n) for n, i in enumerate(IDS)])
        await session.execute(update(Paper).where(Paper.id == IDS[1]).values(hidden=True))
    async with sessions() as session:
        hidden = await get_paper(session, IDS[1])
        assert hidden is not None and hidden.hidden
        assert await get_paper(session, "2401.99999") is None
        found = await get_papers(session, [IDS[2], "2401.99999", IDS[1], IDS[0], IDS[2]])
        assert [p.id for p in found] == [IDS[2], IDS[0]]
        assert await get_papers(session, []) == []


async def test_more_papers_than_one_statement_holds(sessions):
    ids = [f"2402.{i:05d}" for i in range(1, 1203)]
    async with sessions.begin() as session:
        await ingest(session, [record(i, 1) for i in ids])
    async with sessions() as session:
        found = await get_papers(session, ids)
    assert [p.id for p in found] == ids
    assert all(len(p.authors) == 2 and len(p.versions) == 1 for p in found)


async def test_announcements_by_day_then_category(sessions):
    first, later = dt.date(2024, 1, 3), dt.date(2024, 1, 5)
    records = [
        dataclasses.replace(
            record(IDS[2], 2), announcement=AnnouncementRecord(later, "replace", ("cs.LG", "cs.CL"))
        ),
        dataclasses.replace(record(IDS[2], 1), announcement=AnnouncementRecord(first, "new")),
    ]
    async with sessions.begin() as session:
        for one in records:
            await ingest(session, [one])
    async with sessions() as session:
        found = await paper_announcements(session, IDS[2])
        assert await paper_announcements(session, IDS[0]) == []
        stored = await session.execute(
            select(Announcement.announced_on, Announcement.category, Announcement.type).where(
                Announcement.paper_id == IDS[2]
            )
        )
        expected = sorted(tuple(row) for row in stored)
    assert [(a.day, a.category, a.type) for a in found] == expected
    assert [a.day for a in found] == [first, first, later, later]
    assert {a.type for a in found} >= {AnnounceType.NEW, AnnounceType.REPLACE}

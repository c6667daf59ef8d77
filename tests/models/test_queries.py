"""``models.queries.list_day``: a day's list, its papers' views kept between lists while the
papers do not change."""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import ingest
from crawler.records import AuthorRecord
from models import queries
from models.queries import list_day
from tests.web.data import DAY3, paper

FIRST = paper("2411.20001", "A first title", ("cs.LG",), DAY3)
SECOND = paper("2411.20002", "Another paper", ("cs.LG", "cs.AI"), DAY3, "cross")


async def listed(sessions: async_sessionmaker[AsyncSession], *categories: str):
    async with sessions() as session:
        return await list_day(session, categories or ("cs.LG",))


async def test_a_list_shows_a_changed_paper_as_it_now_is(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await ingest(session, [FIRST, SECOND])
    before = await listed(sessions)
    assert [p.paper.title for p in before.papers] == ["A first title", "Another paper"]
    again = await listed(sessions)
    assert [p.paper for p in again.papers] == [p.paper for p in before.papers]
    assert again.papers[0].paper is before.papers[0].paper  # kept, not read again

    changed = dataclasses.replace(
        FIRST,
        version=2,
        title="A better title",
        authors=(AuthorRecord("Grace Hopper"),),
        versions=(*FIRST.versions, dataclasses.replace(FIRST.versions[0], version=2)),
    )
    async with sessions.begin() as session:
        await ingest(session, [changed])
    after = await listed(sessions)
    first = next(p.paper for p in after.papers if p.paper.id == FIRST.arxiv_id)
    assert first.title == "A better title"
    assert [a.name for a in first.authors] == ["Grace Hopper"]
    assert first.version == 2
    merged = await listed(sessions, "cs.LG", "cs.AI")  # the same papers, another list
    assert next(p.paper for p in merged.papers if p.paper.id == FIRST.arxiv_id) is first


async def test_papers_without_announcements_are_listed_and_kept_the_same_way(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    unannounced = [dataclasses.replace(r, announcement=None) for r in (FIRST, SECOND)]
    async with sessions.begin() as session:
        await ingest(session, unannounced)
    before = await listed(sessions)
    assert not before.from_announcements
    assert [p.paper.id for p in before.papers] == [FIRST.arxiv_id, SECOND.arxiv_id]
    assert (await listed(sessions)).papers[1].paper is before.papers[1].paper
    async with sessions.begin() as session:
        await ingest(session, [dataclasses.replace(unannounced[1], title="Renamed", version=2)])
    assert (await listed(sessions)).papers[1].paper.title == "Renamed"


def test_the_views_kept_are_bounded() -> None:
    assert queries.VIEWS_KEPT >= 1_000

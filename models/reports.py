"""Counts for operators, for ``coolpapers stats`` and the admin page: papers by category
and day, summaries, the latest crawl and job runs (the search index's size is
``search.index_size``).

Tables of other packages (summaries, the search index) may be missing from a database
migrated to an older revision: what reads them says so (``None``) rather than failing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, bindparam, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.liveness import interrupt_dead_runs
from models.ops import JobRun
from models.schema import Announcement, CrawlRun


async def table_names(session: AsyncSession) -> set[str]:
    connection = await session.connection()
    return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


@dataclass(frozen=True, slots=True)
class DayCount:
    day: dt.date
    category: str
    papers: int


async def papers_by_category_and_day(session: AsyncSession, days: int = 7) -> list[DayCount]:
    """Announced papers per category on each of the latest ``days`` announcement days."""
    recent = (
        select(Announcement.announced_on)
        .distinct()
        .order_by(Announcement.announced_on.desc())
        .limit(days)
        .subquery()
    )
    rows = await session.execute(
        select(Announcement.announced_on, Announcement.category, func.count())
        .where(Announcement.announced_on.in_(select(recent.c.announced_on)))
        .group_by(Announcement.announced_on, Announcement.category)
        .order_by(Announcement.announced_on.desc(), Announcement.category)
    )
    return [DayCount(day, category, n) for day, category, n in rows]


@dataclass(frozen=True, slots=True)
class SummaryCounts:
    by_status: dict[str, int]
    by_language: dict[str, int]
    calls_today: int


async def summary_counts(session: AsyncSession) -> SummaryCounts | None:
    """Stored summaries by status and language, and today's model calls (None: no tables)."""
    names = await table_names(session)
    if "summaries" not in names:
        return None
    by_status = {
        status: n
        for status, n in await session.execute(
            text("SELECT status, count(*) FROM summaries GROUP BY status")
        )
    }
    by_language = {
        language: n
        for language, n in await session.execute(
            text(
                "SELECT language, count(*) FROM summaries WHERE status = 'complete'"
                " GROUP BY language"
            )
        )
    }
    calls = 0
    if "model_call_days" in names:
        today = dt.datetime.now(dt.UTC).date()
        calls = (
            await session.execute(
                text(
                    "SELECT coalesce(sum(calls), 0) FROM model_call_days WHERE day = :day"
                ).bindparams(bindparam("day", type_=Date)),  # a date on every backend
                {"day": today},
            )
        ).scalar_one()
    return SummaryCounts(by_status, by_language, int(calls))


async def recent_crawl_runs(session: AsyncSession, limit: int = 20) -> list[CrawlRun]:
    """The latest crawl runs, those whose process is gone marked interrupted first."""
    await interrupt_dead_runs(session)
    rows = await session.execute(
        select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    )
    return list(rows.scalars())


async def recent_job_runs(session: AsyncSession, limit: int = 20) -> list[JobRun]:
    rows = await session.execute(select(JobRun).order_by(JobRun.id.desc()).limit(limit))
    return list(rows.scalars())

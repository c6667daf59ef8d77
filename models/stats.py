"""Counts over the archive, for ``coolpapers stats`` and the admin page; the last crawl as
it stands (a run whose process is gone shows as interrupted, see ``models.liveness``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.liveness import interrupt_dead_runs
from models.schema import Author, CrawlRun, Paper, PaperCategory


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    papers: int
    authors: int
    categories: int
    last_crawl: CrawlRun | None


async def archive_stats(session: AsyncSession) -> ArchiveStats:
    async def count(statement) -> int:
        return (await session.execute(statement)).scalar_one()

    await interrupt_dead_runs(session)
    last = (
        await session.execute(select(CrawlRun).order_by(CrawlRun.started_at.desc()).limit(1))
    ).scalar_one_or_none()
    return ArchiveStats(
        papers=await count(select(func.count()).select_from(Paper)),
        authors=await count(select(func.count()).select_from(Author)),
        categories=await count(select(func.count(func.distinct(PaperCategory.category)))),
        last_crawl=last,
    )

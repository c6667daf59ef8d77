"""Counts over the archive, for ``coolpapers stats`` and the admin page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

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

    last = (
        await session.execute(select(CrawlRun).order_by(CrawlRun.started_at.desc()).limit(1))
    ).scalar_one_or_none()
    return ArchiveStats(
        papers=await count(select(func.count()).select_from(Paper)),
        authors=await count(select(func.count()).select_from(Author)),
        categories=await count(select(func.count(func.distinct(PaperCategory.category)))),
        last_crawl=last,
    )

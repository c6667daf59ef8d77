"""Crawl runs: every crawl or import leaves a row with its parameters, timing and counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import IngestCounts
from models.schema import CrawlRun, CrawlStatus


async def start_run(
    sessions: async_sessionmaker[AsyncSession], source: str, parameters: dict
) -> int:
    """Record the start of a crawl in its own transaction; returns the run's id."""
    async with sessions.begin() as session:
        run = CrawlRun(source=source, parameters=parameters, status=CrawlStatus.RUNNING)
        session.add(run)
        await session.flush()
        return run.id


async def finish_run(
    sessions: async_sessionmaker[AsyncSession],
    run_id: int,
    counts: IngestCounts,
    *,
    status: CrawlStatus = CrawlStatus.SUCCEEDED,
    error: str | None = None,
) -> None:
    async with sessions.begin() as session:
        run = await session.get(CrawlRun, run_id)
        run.finished_at = dt.datetime.now(dt.UTC)
        run.status = status
        run.n_new, run.n_updated = counts.new, counts.updated
        run.n_unchanged, run.n_failed = counts.unchanged, counts.failed
        run.error = error

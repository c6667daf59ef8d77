"""Crawl runs: every crawl or import leaves a row with its parameters, timing and counts.

``recorded_run`` wraps a crawl: it starts (or reopens) the run, hands out a ``RunRecorder``
whose ``commit`` ingests one page of records *and* moves the run's counts and checkpoint in
the same transaction, and ends the run as succeeded, failed (with the error) or
interrupted. A process killed in the middle of a crawl therefore leaves a run whose counts
and checkpoint say exactly what is in the database, which is what ``--resume`` picks up.

A run records the host and pid of its process, and while ``recorded_run`` runs it moves
the run's ``heartbeat_at`` every ``heartbeat_interval`` seconds (and with every page), on
an injectable clock. A process killed outright cannot close its run: whoever lists the
runs, or starts a new one, marks it interrupted (``models.liveness``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import BATCH_SIZE, NO_HOOKS, IngestCounts, IngestHooks, ingest
from crawler.records import PaperRecord
from models.liveness import HEARTBEAT_INTERVAL, interrupt_dead_runs, this_host
from models.schema import CrawlRun, CrawlStatus
from retry import AsyncRetry, database_policy
from retry.clock import SYSTEM_CLOCK, SleepingClock

log = logging.getLogger("coolpapers.runs")

UNFINISHED = (CrawlStatus.RUNNING, CrawlStatus.FAILED, CrawlStatus.INTERRUPTED)
_KEEP: Any = object()
ERROR_TEXT_LIMIT = 2000


def _running(source: str, parameters: dict, heartbeat_at: dt.datetime | None = None) -> CrawlRun:
    """A new run of this process, running."""
    return CrawlRun(
        source=source,
        parameters=parameters,
        status=CrawlStatus.RUNNING,
        host=this_host(),
        pid=os.getpid(),
        heartbeat_at=heartbeat_at,
    )


async def start_run(
    sessions: async_sessionmaker[AsyncSession], source: str, parameters: dict
) -> int:
    """Record the start of a crawl in its own transaction; returns the run's id.

    The run names this process but has no heartbeat: it counts as running while the
    process lives (on another host: until it ends).
    """
    async with sessions.begin() as session:
        run = _running(source, parameters)
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
    parameters: dict | None = None,
    gaps: dict | None = None,
    checkpoint: str | None = _KEEP,
) -> None:
    """Record how a run ended; ``parameters`` and ``gaps`` replace the stored ones if given."""
    async with sessions.begin() as session:
        run = await session.get(CrawlRun, run_id)
        run.finished_at = dt.datetime.now(dt.UTC)
        run.status = status
        run.n_new, run.n_updated = counts.new, counts.updated
        run.n_unchanged, run.n_failed = counts.unchanged, counts.failed
        run.error = error[:ERROR_TEXT_LIMIT] if error else None
        if parameters is not None:
            run.parameters = parameters
        if gaps is not None:
            run.gaps = gaps
        if checkpoint is not _KEEP:
            run.checkpoint = checkpoint


async def find_resumable_run(
    sessions: async_sessionmaker[AsyncSession], source: str, parameters: dict
) -> CrawlRun | None:
    """The latest run of ``source`` with exactly these parameters, if it did not finish.

    A later run with the same parameters that succeeded makes older unfinished ones moot.
    """
    async with sessions() as session:
        runs = (
            await session.execute(
                select(CrawlRun)
                .where(CrawlRun.source == source)
                .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
                .limit(200)
            )
        ).scalars()
        for run in runs:
            if run.parameters == parameters:
                return run if run.status in UNFINISHED else None
    return None


async def latest_run(
    sessions: async_sessionmaker[AsyncSession],
    source: str,
    *,
    status: CrawlStatus | None = None,
    where: dict[str, Any] | None = None,
) -> CrawlRun | None:
    """The latest run of ``source`` (with ``status``) whose parameters include ``where``."""
    query = select(CrawlRun).where(CrawlRun.source == source)
    if status is not None:
        query = query.where(CrawlRun.status == status)
    async with sessions() as session:
        runs = (
            await session.execute(
                query.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(200)
            )
        ).scalars()
        for run in runs:
            if all(run.parameters.get(k) == v for k, v in (where or {}).items()):
                return run
    return None


class RunRecorder:
    """A run in progress: commits pages with their counts and checkpoint, keeps the totals.

    ``parameters`` and ``gaps`` may be changed during the crawl; they are written when the
    run ends.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        run: CrawlRun,
        clock: SleepingClock = SYSTEM_CLOCK,
        hooks: IngestHooks = NO_HOOKS,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks
        self.run_id: int = run.id
        self.parameters: dict = dict(run.parameters or {})
        self.checkpoint: str | None = run.checkpoint
        self.gaps: dict = dict(run.gaps or {})
        self.counts = IngestCounts(
            new=run.n_new, updated=run.n_updated, unchanged=run.n_unchanged, failed=run.n_failed
        )

    async def commit(
        self,
        records: Iterable[PaperRecord],
        *,
        checkpoint: str | None = _KEEP,
        failed: int = 0,
        batch_size: int = BATCH_SIZE,
    ) -> IngestCounts:
        """Ingest ``records`` and move the run's counts (and checkpoint) in one transaction.

        Retried as a whole while the database turns it away for now (SQLite locked; on
        PostgreSQL a serialization failure, a deadlock, a restart or a lost connection: the
        failed transaction wrote nothing). ``failed`` adds to the
        run's count of papers that could not be read; ``batch_size``: papers per batch of
        the ingest (and per call of its hooks).
        """
        records = list(records)

        async def write(session: AsyncSession) -> IngestCounts:
            return await ingest(
                session, records, crawl_run_id=self.run_id, hooks=self.hooks, batch_size=batch_size
            )

        return await self.commit_with(write, checkpoint=checkpoint, failed=failed)

    async def commit_with(
        self,
        write: Callable[[AsyncSession], Awaitable[IngestCounts]],
        *,
        checkpoint: str | None = _KEEP,
        failed: int = 0,
    ) -> IngestCounts:
        """Like ``commit``, for a source that writes its page itself (``write`` runs in the
        transaction that moves the counts and the checkpoint, and returns its counts)."""
        async for attempt in AsyncRetry(database_policy):
            with attempt:
                async with self.sessions.begin() as session:
                    page = await write(session)
                    page.failed += failed
                    total = dataclasses.replace(self.counts)
                    total.add(page)
                    await self._save(session, total, checkpoint)
        self.counts = total
        if checkpoint is not _KEEP:
            self.checkpoint = checkpoint
        return page

    async def count_failed(self, failed: int) -> None:
        """Record papers that could not be read, outside any page."""
        await self.commit([], failed=failed)

    async def _save(self, session: AsyncSession, counts: IngestCounts, checkpoint: Any) -> None:
        values: dict[str, Any] = {
            "n_new": counts.new,
            "n_updated": counts.updated,
            "n_unchanged": counts.unchanged,
            "n_failed": counts.failed,
            "heartbeat_at": self.clock.now(),
        }
        if checkpoint is not _KEEP:
            values["checkpoint"] = checkpoint
        await session.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(values))


async def _reopen(
    sessions: async_sessionmaker[AsyncSession], run_id: int, now: dt.datetime
) -> CrawlRun:
    async with sessions.begin() as session:
        run = await session.get(CrawlRun, run_id)
        if run is None:
            raise LookupError(f"no crawl run {run_id}")
        run.status = CrawlStatus.RUNNING
        run.finished_at = None
        run.error = None
        run.host, run.pid, run.heartbeat_at = this_host(), os.getpid(), now
        return run


async def beat(sessions: async_sessionmaker[AsyncSession], run_id: int, now: dt.datetime) -> bool:
    """Move the heartbeat of this process's run ``run_id`` to ``now``; False if the run is
    no longer this process's or has ended. A run taken for dead while this process was
    stalled is running again."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(CrawlRun)
            .where(
                CrawlRun.id == run_id,
                CrawlRun.host == this_host(),
                CrawlRun.pid == os.getpid(),
                CrawlRun.status.in_((CrawlStatus.RUNNING, CrawlStatus.INTERRUPTED)),
            )
            .values(heartbeat_at=now, status=CrawlStatus.RUNNING, finished_at=None, error=None)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)


async def keep_beating(
    sessions: async_sessionmaker[AsyncSession], run_id: int, clock: SleepingClock, interval: float
) -> None:
    """Beat every ``interval`` seconds on ``clock`` until cancelled."""
    while True:
        await clock.sleep(interval)
        try:
            await beat(sessions, run_id, clock.now())
        except OperationalError as exc:  # a busy database: the next beat will do
            log.warning("crawl run %d: heartbeat not recorded: %s", run_id, exc)


@asynccontextmanager
async def recorded_run(
    sessions: async_sessionmaker[AsyncSession],
    source: str,
    parameters: dict,
    *,
    resume: int | None = None,
    clock: SleepingClock = SYSTEM_CLOCK,
    heartbeat_interval: float = HEARTBEAT_INTERVAL,
    hooks: IngestHooks = NO_HOOKS,
) -> AsyncIterator[RunRecorder]:
    """Run a crawl as a recorded run (a new one, or the unfinished run ``resume``), whose pages
    are ingested with ``hooks``.

    Runs left running by a process that is gone are first marked interrupted. While the
    crawl runs, its heartbeat moves every ``heartbeat_interval`` seconds on ``clock``.

    An exception ends the run as failed with its message (KeyboardInterrupt and
    cancellation as interrupted) and propagates; an exception with a ``run_id`` attribute
    left at None (a ``CrawlError``) is told the run's id.
    """
    now = clock.now()
    async with sessions() as session:
        await interrupt_dead_runs(session, now=now)
    if resume is not None:
        run = await _reopen(sessions, resume, now)
    else:
        async with sessions.begin() as session:
            run = _running(source, parameters, heartbeat_at=now)
            session.add(run)
    recorder = RunRecorder(sessions, run, clock, hooks)
    heart = asyncio.create_task(keep_beating(sessions, run.id, clock, heartbeat_interval))
    try:
        try:
            yield recorder
        finally:
            heart.cancel()
            await asyncio.gather(heart, return_exceptions=True)
    except (KeyboardInterrupt, asyncio.CancelledError):
        await _end(recorder, CrawlStatus.INTERRUPTED, "interrupted")
        raise
    except BaseException as exc:
        if getattr(exc, "run_id", False) is None:
            exc.run_id = recorder.run_id  # type: ignore[attr-defined]  # read by the command's report
        message = str(exc) or type(exc).__name__
        await _end(recorder, CrawlStatus.FAILED, message)
        raise
    await _end(recorder, CrawlStatus.SUCCEEDED, None)


async def _end(recorder: RunRecorder, status: CrawlStatus, error: str | None) -> None:
    # Shielded: an interrupted crawl still gets its run closed.
    await asyncio.shield(
        finish_run(
            recorder.sessions,
            recorder.run_id,
            recorder.counts,
            status=status,
            error=error,
            parameters=recorder.parameters,
            gaps=recorder.gaps or None,
        )
    )

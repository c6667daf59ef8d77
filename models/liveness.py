"""Whether a running crawl run still has a process behind it.

A crawl run records the host and pid of its process and moves ``heartbeat_at`` while it
runs (``crawler.runs``). A process killed outright (SIGKILL, a lost machine) cannot close
its run, which would then read "running" forever. ``interrupt_dead_runs`` marks such runs
interrupted: a run whose pid is gone on this host, or whose last sign of life (heartbeat,
else start) is older than ``stale_after`` (for runs of other hosts, and of a process whose
pid was taken by another). Runs are settled so whenever they are listed and whenever a new
run starts; a dead run stays resumable as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import CrawlRun, CrawlStatus

log = logging.getLogger("coolpapers.runs")

# A running process beats every HEARTBEAT_INTERVAL seconds (crawler.runs); ten beats
# missed in a row mean it is gone.
HEARTBEAT_INTERVAL = 30.0
STALE_AFTER = dt.timedelta(minutes=5)


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (one of another user counts too)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True, slots=True)
class DeadRun:
    id: int
    host: str | None
    pid: int | None
    heartbeat_at: dt.datetime | None
    last_seen: dt.datetime
    reason: str


def why_dead(
    host: str | None,
    pid: int | None,
    last_seen: dt.datetime,
    *,
    now: dt.datetime,
    stale_after: dt.timedelta,
    here: str,
    alive: Callable[[int], bool],
) -> str | None:
    """Why a running run with this process and last sign of life is dead (None: it is not)."""
    if host == here and pid is not None and pid != os.getpid() and not alive(pid):
        return f"its process {host}:{pid} is gone"
    if last_seen < now - stale_after:
        seconds = int((now - last_seen).total_seconds())
        process = f" of {host}:{pid}" if host and pid is not None else ""
        return f"no heartbeat{process} for {seconds} s"
    return None


async def find_dead_runs(
    session: AsyncSession,
    *,
    now: dt.datetime,
    stale_after: dt.timedelta = STALE_AFTER,
    here: str | None = None,
    alive: Callable[[int], bool] = pid_alive,
) -> list[DeadRun]:
    """The runs recorded as running whose process is gone."""
    here = this_host() if here is None else here
    rows = await session.execute(
        select(
            CrawlRun.id, CrawlRun.host, CrawlRun.pid, CrawlRun.heartbeat_at, CrawlRun.started_at
        ).where(CrawlRun.status == CrawlStatus.RUNNING)
    )
    dead = []
    for run_id, host, pid, heartbeat_at, started_at in rows:
        last_seen = heartbeat_at or started_at
        reason = why_dead(
            host, pid, last_seen, now=now, stale_after=stale_after, here=here, alive=alive
        )
        if reason is not None:
            dead.append(DeadRun(run_id, host, pid, heartbeat_at, last_seen, reason))
    return dead


async def interrupt_dead_runs(
    session: AsyncSession,
    *,
    now: dt.datetime | None = None,
    stale_after: dt.timedelta = STALE_AFTER,
    here: str | None = None,
    alive: Callable[[int], bool] = pid_alive,
) -> list[int]:
    """Mark the running runs whose process is gone as interrupted, and commit ``session``.

    A run ends at its last sign of life, with the reason as its error; its counts and
    checkpoint stay (``--resume`` continues it). Returns the ids of the runs marked. A
    database too busy to take the change leaves the runs for the next look.
    """
    now = now or dt.datetime.now(dt.UTC)
    dead = await find_dead_runs(session, now=now, stale_after=stale_after, here=here, alive=alive)
    marked = []
    try:
        for run in dead:
            result = await session.execute(
                update(CrawlRun)
                .where(
                    CrawlRun.id == run.id,
                    CrawlRun.status == CrawlStatus.RUNNING,
                    CrawlRun.heartbeat_at.is_not_distinct_from(run.heartbeat_at),
                )
                .values(
                    status=CrawlStatus.INTERRUPTED,
                    finished_at=run.last_seen,
                    error=f"interrupted: {run.reason}",
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:
                marked.append(run.id)
        if dead:
            await session.commit()
    except OperationalError as exc:  # "database is locked": settled on the next look
        await session.rollback()
        log.warning("could not mark dead crawl runs as interrupted: %s", exc)
        return []
    for run in dead:
        if run.id in marked:
            log.warning("crawl run %d marked interrupted: %s", run.id, run.reason)
    return marked

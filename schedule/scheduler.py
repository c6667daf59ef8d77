"""The scheduler: runs the jobs when they are due, one at a time, while it holds the
scheduler lease.

Several schedulers may be started (``coolpapers schedule`` twice, or in every web worker):
the one that holds the lease runs the jobs, the others stand by and take over when its lease
runs out. Each run of a job also holds the job's own lease, so that a run asked for by hand
(``coolpapers jobs run``, the admin page) and a scheduled run never overlap.

Every attempt leaves a ``JobRun`` row and one ``key=value`` log line. A job that is not
ready (the feed still shows yesterday) or fails is tried again within its retry window;
after a stop (SIGTERM) the job in progress gets a grace period to finish and is then
cancelled and recorded as interrupted, with the crawl runs it left open.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.ops import JobRun, JobRunStatus, Lease
from models.schema import CrawlRun, CrawlStatus
from retry.clock import SYSTEM_CLOCK, SleepingClock
from schedule import lease
from schedule.calendar import ArxivCalendar
from schedule.clock import sleep_or_stop
from schedule.jobs import Job, JobContext, JobResult, Outcome, check_jobs
from schedule.logline import kv

log = logging.getLogger("coolpapers.schedule")

_OUTCOME_STATUS = {
    Outcome.SUCCEEDED: JobRunStatus.SUCCEEDED,
    Outcome.SKIPPED: JobRunStatus.SKIPPED,
    Outcome.NOT_READY: JobRunStatus.NOT_READY,
    Outcome.FAILED: JobRunStatus.FAILED,
}


@dataclass(frozen=True, slots=True)
class SchedulerOptions:
    """``lease_ttl``: how long a silent holder keeps a lease; ``stop_grace``: seconds the job
    in progress may take to finish after a stop; ``stale_crawl_after``: age at which a crawl
    run still marked running is taken for dead."""

    lease_ttl: dt.timedelta = dt.timedelta(minutes=2)
    stop_grace: float = 30.0
    stale_crawl_after: dt.timedelta = dt.timedelta(hours=6)

    @property
    def renew_every(self) -> dt.timedelta:
        return self.lease_ttl / 3


@dataclass(frozen=True, slots=True)
class Pending:
    """A run to make: due at ``due`` for the slot ``slot`` (its retries keep the slot)."""

    job: str
    due: dt.datetime
    slot: dt.datetime
    attempt: int = 1
    trigger: str = "schedule"  # schedule, retry, after, manual


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One attempt, as recorded."""

    run_id: int
    job: str
    status: JobRunStatus
    detail: str
    crawl_run_id: int | None
    scheduled_for: dt.datetime
    started_at: dt.datetime
    finished_at: dt.datetime
    attempt: int
    trigger: str


class JobBusy(Exception):
    """Another process is running this job right now."""


class UnknownJob(KeyError):
    pass


def _last_missed(job: Job, base: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """The latest slot of ``job`` in ``(base, now]``, if any."""
    if job.trigger is None:
        return None
    found = None
    slot = job.trigger.next_after(base)
    while slot <= now:
        found = slot
        slot = job.trigger.next_after(slot)
    return found


def plan_next(job: Job, last: JobRun | None, now: dt.datetime) -> Pending | None:
    """The next run of ``job`` given its last scheduled run (None: never ran).

    A failed or not-ready slot is resumed while its retry window lasts, an interrupted one
    (its process died, or was stopped) within ``misfire_grace``; a slot missed less than
    ``misfire_grace`` ago is run at once (only the latest of several); otherwise the
    trigger's next slot.
    """
    if (
        last is not None
        and job.retry is not None
        and last.status
        in (
            JobRunStatus.NOT_READY,
            JobRunStatus.FAILED,
            JobRunStatus.INTERRUPTED,
            JobRunStatus.RUNNING,
        )
    ):
        resume = max(now, (last.finished_at or now) + job.retry.every)
        if resume <= last.scheduled_for + job.retry.within:
            return Pending(job.name, resume, last.scheduled_for, last.attempt + 1, "retry")
    if (
        last is not None
        and last.status is JobRunStatus.INTERRUPTED
        and now <= last.scheduled_for + job.misfire_grace
    ):
        return Pending(job.name, now, last.scheduled_for, last.attempt + 1, "retry")
    if job.trigger is None:
        return None
    base = now - job.misfire_grace
    if last is not None:
        base = max(base, last.scheduled_for)
    missed = _last_missed(job, base, now)
    if missed is not None:
        return Pending(job.name, now, missed)
    following = job.trigger.next_after(max(base, now))
    return Pending(job.name, following, following)


async def last_scheduled_run(session: AsyncSession, job: str) -> JobRun | None:
    """The latest run of ``job`` that the schedule made (manual runs aside)."""
    return (
        await session.execute(
            select(JobRun)
            .where(JobRun.job == job, JobRun.trigger != "manual")
            .order_by(JobRun.scheduled_for.desc(), JobRun.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def last_run(session: AsyncSession, job: str) -> JobRun | None:
    """The latest run of ``job``, however it was started."""
    return (
        await session.execute(
            select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(1)
        )
    ).scalar_one_or_none()


class Runner:
    """Runs one job under its lease and records the attempt: shared by the scheduler and
    the runs asked for by hand."""

    def __init__(
        self,
        jobs: Iterable[Job],
        sessions: async_sessionmaker[AsyncSession],
        *,
        calendar: ArxivCalendar | None = None,
        clock: SleepingClock = SYSTEM_CLOCK,
        holder: str | None = None,
        lease_ttl: dt.timedelta = dt.timedelta(minutes=2),
    ) -> None:
        self.jobs: Mapping[str, Job] = check_jobs(jobs)
        self.sessions = sessions
        self.calendar = calendar or ArxivCalendar()
        self.clock = clock
        self.holder = holder or lease.new_holder()
        self.lease_ttl = lease_ttl

    def job(self, name: str) -> Job:
        try:
            return self.jobs[name]
        except KeyError:
            raise UnknownJob(name) from None

    def followers(self, name: str) -> list[Job]:
        return [job for job in self.jobs.values() if name in job.after]

    async def execute(
        self, pending: Pending, *, manual: bool = False, also_renew: tuple[str, ...] = ()
    ) -> RunRecord:
        """Run ``pending`` now; raises ``JobBusy`` when another holder runs the same job.

        ``also_renew`` names leases to keep alive while the job runs (the scheduler's).
        Cancellation (a stop past its grace) records the run as interrupted and propagates.
        """
        job = self.job(pending.job)
        now = self.clock.now()
        job_lease = lease.job_lease(job.name)
        if not await lease.acquire(self.sessions, job_lease, self.holder, self.lease_ttl, now):
            raise JobBusy(job.name)
        wall_start = dt.datetime.now(dt.UTC)
        heartbeat = asyncio.ensure_future(self._heartbeat((job_lease, *also_renew)))
        try:
            run_id = await self._start(pending, now)
            context = JobContext(
                job=job.name,
                sessions=self.sessions,
                calendar=self.calendar,
                scheduled_for=pending.slot,
                now=now,
                attempt=pending.attempt,
                manual=manual,
            )
            try:
                result = await job.run(context)
            except asyncio.CancelledError:
                await self._abandon(run_id, pending, now, wall_start)
                raise
            except Exception as exc:  # a failing job is recorded, never the scheduler's end
                log.debug("job %s raised", job.name, exc_info=True)
                result = JobResult.failed(f"{type(exc).__name__}: {exc}"[:2000])
            return await self._finish(run_id, pending, now, result)
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await lease.release(self.sessions, job_lease, self.holder)

    async def _heartbeat(self, names: tuple[str, ...]) -> None:
        # Real seconds, whatever the clock: a virtual clock must not run while a job awaits I/O.
        while True:
            await asyncio.sleep(self.lease_ttl.total_seconds() / 3)
            for name in names:
                if not await lease.renew(
                    self.sessions, name, self.holder, self.lease_ttl, self.clock.now()
                ):
                    log.warning(kv(event="lease-lost", lease=name, holder=self.holder))

    async def _start(self, pending: Pending, now: dt.datetime) -> int:
        async with self.sessions.begin() as session:
            run = JobRun(
                job=pending.job,
                trigger=pending.trigger,
                scheduled_for=pending.slot,
                attempt=pending.attempt,
                started_at=now,
                status=JobRunStatus.RUNNING,
                holder=self.holder,
            )
            session.add(run)
            await session.flush()
            return run.id

    async def _finish(
        self, run_id: int, pending: Pending, started: dt.datetime, result: JobResult
    ) -> RunRecord:
        finished = self.clock.now()
        status = _OUTCOME_STATUS[result.outcome]
        async with self.sessions.begin() as session:
            run = await session.get(JobRun, run_id)
            run.finished_at = finished
            run.status = status
            run.detail = result.detail or None
            run.crawl_run_id = result.crawl_run_id
        record = RunRecord(
            run_id,
            pending.job,
            status,
            result.detail,
            result.crawl_run_id,
            pending.slot,
            started,
            finished,
            pending.attempt,
            pending.trigger,
        )
        _log_run(record)
        return record

    async def _abandon(
        self, run_id: int, pending: Pending, started: dt.datetime, wall_start: dt.datetime
    ) -> None:
        detail = "abandoned: the scheduler stopped before the job finished"
        async with self.sessions.begin() as session:
            run = await session.get(JobRun, run_id)
            run.finished_at = self.clock.now()
            run.status = JobRunStatus.INTERRUPTED
            run.detail = detail
            # The crawl runs this job opened and could not close (a crawl that handles its
            # own cancellation has already closed them).
            await session.execute(
                update(CrawlRun)
                .where(CrawlRun.status == CrawlStatus.RUNNING, CrawlRun.started_at >= wall_start)
                .values(
                    status=CrawlStatus.INTERRUPTED,
                    finished_at=dt.datetime.now(dt.UTC),
                    error=detail,
                )
                .execution_options(synchronize_session=False)
            )
        log.warning(
            kv(
                job=pending.job,
                run=run_id,
                trigger=pending.trigger,
                slot=pending.slot,
                attempt=pending.attempt,
                outcome=JobRunStatus.INTERRUPTED.value,
                detail=detail,
            )
        )

    async def give_up(self, record: RunRecord) -> None:
        """Mark the last attempt of a slot as the end of its retries."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(JobRun)
                .where(JobRun.id == record.run_id)
                .values(status=JobRunStatus.GAVE_UP)
                .execution_options(synchronize_session=False)
            )
        log.warning(
            kv(
                job=record.job,
                run=record.run_id,
                slot=record.scheduled_for,
                attempt=record.attempt,
                outcome=JobRunStatus.GAVE_UP.value,
                detail=record.detail,
            )
        )

    async def run_now(self, name: str, *, followers: bool = True) -> list[RunRecord]:
        """Run ``name`` by hand now (the calendar is not consulted), then, when it succeeded,
        the jobs that follow it. Raises ``JobBusy`` when the job is already running."""
        now = self.clock.now()
        records = [await self.execute(Pending(name, now, now, 1, "manual"), manual=True)]
        if followers and records[0].status is JobRunStatus.SUCCEEDED:
            for job in self.followers(name):
                moment = self.clock.now()
                try:
                    records.append(
                        await self.execute(Pending(job.name, moment, moment, 1, "after"))
                    )
                except JobBusy:
                    log.info(kv(job=job.name, event="busy", detail="already running elsewhere"))
        return records


def _log_run(record: RunRecord) -> None:
    level = {
        JobRunStatus.FAILED: logging.WARNING,
        JobRunStatus.INTERRUPTED: logging.WARNING,
    }.get(record.status, logging.INFO)
    log.log(
        level,
        kv(
            job=record.job,
            run=record.run_id,
            trigger=record.trigger,
            slot=record.scheduled_for,
            attempt=record.attempt,
            outcome=record.status.value,
            duration=(record.finished_at - record.started_at).total_seconds(),
            crawl_run=record.crawl_run_id,
            detail=record.detail or None,
        ),
    )


class Scheduler:
    """Runs the jobs of ``runner`` on their schedule while it holds the scheduler lease."""

    def __init__(
        self,
        runner: Runner,
        options: SchedulerOptions | None = None,
        *,
        run_at_start: tuple[str, ...] = (),
    ) -> None:
        self.runner = runner
        self.options = options or SchedulerOptions()
        for name in run_at_start:
            runner.job(name)  # unknown names fail here, not when the lease comes
        self.run_at_start = run_at_start
        self.pending: list[Pending] = []
        self.leading = False
        self.completed: list[RunRecord] = []  # this process's runs, latest last (bounded)
        self._announced_standby: str | None = None

    @property
    def clock(self) -> SleepingClock:
        return self.runner.clock

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.runner.sessions

    async def tick(self, now: dt.datetime) -> dt.datetime:
        """Do whatever is due at ``now``; returns when to tick next."""
        if not await self._lead(now):
            return now + self.options.renew_every * 1.5
        while True:
            due = self._take_due(now)
            if due is None:
                break
            await self._run(due)
            now = self.clock.now()
            if not await self._lead(now):
                return now + self.options.renew_every * 1.5
        following = min((p.due for p in self.pending), default=None)
        wake = now + self.options.renew_every
        return min(following, wake) if following is not None else wake

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set; then let the job in progress finish within the grace
        period, or cancel it, and let go of the leases."""
        try:
            while not stop.is_set():
                ticking = asyncio.ensure_future(self.tick(self.clock.now()))
                stopping = asyncio.ensure_future(stop.wait())
                try:
                    await asyncio.wait({ticking, stopping}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stopping.cancel()
                if not ticking.done():
                    log.info(
                        kv(
                            event="stopping",
                            grace=self.options.stop_grace,
                            detail="waiting for the job in progress",
                        )
                    )
                    await asyncio.wait({ticking}, timeout=self.options.stop_grace)
                    if not ticking.done():
                        ticking.cancel()
                    await asyncio.gather(ticking, return_exceptions=True)
                    break
                try:
                    wake = ticking.result()
                except Exception:  # e.g. the database is unreachable: try again later
                    log.exception(kv(event="tick-failed", holder=self.runner.holder))
                    wake = self.clock.now() + self.options.renew_every
                await sleep_or_stop(self.clock, (wake - self.clock.now()).total_seconds(), stop)
        finally:
            await self.close()

    async def close(self) -> None:
        if self.leading:
            await lease.release(self.sessions, lease.SCHEDULER_LEASE, self.runner.holder)
            log.info(kv(event="scheduler-stopped", holder=self.runner.holder))
        self.leading = False
        self.pending.clear()

    async def _lead(self, now: dt.datetime) -> bool:
        held = await lease.acquire(
            self.sessions, lease.SCHEDULER_LEASE, self.runner.holder, self.options.lease_ttl, now
        )
        if held and not self.leading:
            self.leading = True
            self._announced_standby = None
            log.info(kv(event="scheduler-leading", holder=self.runner.holder))
            await self._plan(now)
        elif not held:
            if self.leading:
                log.warning(
                    kv(event="lease-lost", lease=lease.SCHEDULER_LEASE, holder=self.runner.holder)
                )
            self.leading = False
            self.pending.clear()
            async with self.sessions() as session:
                other = await lease.holder_of(session, lease.SCHEDULER_LEASE, now)
            who = other.holder if other else "?"
            if who != self._announced_standby:
                self._announced_standby = who
                log.info(
                    kv(event="standing-by", held_by=who, until=other.expires_at if other else None)
                )
        return held

    async def _plan(self, now: dt.datetime) -> None:
        await self._sweep(now)
        self.pending.clear()
        async with self.sessions() as session:
            for job in self.runner.jobs.values():
                last = await last_scheduled_run(session, job.name)
                following = plan_next(job, last, now)
                if following is not None:
                    self.pending.append(following)
        for name in self.run_at_start:
            self.pending.append(Pending(name, now, now, 1, "manual"))
        self.run_at_start = ()
        for pending in sorted(self.pending, key=lambda p: p.due):
            log.info(
                kv(
                    job=pending.job,
                    event="planned",
                    due=pending.due,
                    slot=pending.slot,
                    trigger=pending.trigger,
                )
            )

    async def _sweep(self, now: dt.datetime) -> None:
        """Close what dead processes left open: job runs whose holder no longer holds the
        job's lease, and crawl runs running for longer than any crawl takes."""
        async with self.sessions.begin() as session:
            running = (
                await session.execute(select(JobRun).where(JobRun.status == JobRunStatus.RUNNING))
            ).scalars()
            for run in running:
                live = await lease.holder_of(session, lease.job_lease(run.job), now)
                if live is None or live.holder != run.holder:
                    run.status = JobRunStatus.INTERRUPTED
                    run.finished_at = now
                    run.detail = "its process stopped before the job finished"
                    # And the crawl runs it had opened (its process could not close them).
                    await session.execute(
                        update(CrawlRun)
                        .where(
                            CrawlRun.status == CrawlStatus.RUNNING,
                            CrawlRun.started_at >= run.started_at,
                        )
                        .values(
                            status=CrawlStatus.INTERRUPTED,
                            finished_at=dt.datetime.now(dt.UTC),
                            error="never finished: its process stopped",
                        )
                        .execution_options(synchronize_session=False)
                    )
                    log.warning(
                        kv(job=run.job, run=run.id, outcome="interrupted", detail=run.detail)
                    )
            # Leases that ran out are free anyway: dropped, so that none looks held.
            await session.execute(
                delete(Lease)
                .where(Lease.expires_at <= now)
                .execution_options(synchronize_session=False)
            )
            stale_before = dt.datetime.now(dt.UTC) - self.options.stale_crawl_after
            stale = await session.execute(
                update(CrawlRun)
                .where(CrawlRun.status == CrawlStatus.RUNNING, CrawlRun.started_at < stale_before)
                .values(
                    status=CrawlStatus.INTERRUPTED,
                    finished_at=dt.datetime.now(dt.UTC),
                    error="never finished: its process stopped",
                )
                .execution_options(synchronize_session=False)
            )
            if stale.rowcount:
                log.warning(kv(event="stale-crawl-runs", count=stale.rowcount))

    def _take_due(self, now: dt.datetime) -> Pending | None:
        due = [p for p in self.pending if p.due <= now]
        if not due:
            return None
        first = min(due, key=lambda p: (p.due, p.trigger not in ("after", "manual")))
        self.pending.remove(first)
        return first

    async def _run(self, pending: Pending) -> None:
        job = self.runner.job(pending.job)
        try:
            record = await self.runner.execute(
                pending,
                manual=pending.trigger == "manual",
                also_renew=(lease.SCHEDULER_LEASE,),
            )
        except JobBusy:
            later = self.clock.now() + dt.timedelta(minutes=1)
            log.info(kv(job=job.name, event="busy", detail="running elsewhere", retry_at=later))
            self.pending.append(replace(pending, due=later))
            return
        self.completed = [*self.completed[-99:], record]
        now = self.clock.now()
        if record.status in (JobRunStatus.NOT_READY, JobRunStatus.FAILED):
            attempt = job.retry.next_attempt(pending.slot, now) if job.retry else None
            if attempt is not None:
                self.pending.append(
                    Pending(job.name, attempt, pending.slot, pending.attempt + 1, "retry")
                )
                return
            if job.retry is not None:
                await self.runner.give_up(record)
        if record.status is JobRunStatus.SUCCEEDED:
            for follower in self.runner.followers(job.name):
                if not any(p.job == follower.name and p.trigger == "after" for p in self.pending):
                    self.pending.append(Pending(follower.name, now, now, 1, "after"))
        on_schedule = any(p.job == job.name and p.trigger != "after" for p in self.pending)
        if job.trigger is not None and not on_schedule:
            following = job.trigger.next_after(max(pending.slot, now))
            self.pending.append(Pending(job.name, following, following))

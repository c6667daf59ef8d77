"""What the schedule looks like now, for ``coolpapers jobs`` and the admin page: each job
with its last run and its next one, and who holds the scheduler lease."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.ops import JobRun
from schedule import lease
from schedule.jobs import Job
from schedule.scheduler import last_run, last_scheduled_run, plan_next


@dataclass(frozen=True, slots=True)
class JobView:
    name: str
    schedule: str
    description: str
    last: JobRun | None
    next_due: dt.datetime | None
    running_by: str | None  # the holder of the job's lease, while it runs

    def as_json(self) -> dict:
        last = self.last
        return {
            "name": self.name,
            "schedule": self.schedule,
            "description": self.description,
            "last_run": None
            if last is None
            else {
                "id": last.id,
                "trigger": last.trigger,
                "status": last.status.value,
                "scheduled_for": last.scheduled_for.isoformat(),
                "started_at": last.started_at.isoformat(),
                "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                "attempt": last.attempt,
                "detail": last.detail,
                "crawl_run_id": last.crawl_run_id,
            },
            "next_run": self.next_due.isoformat() if self.next_due else None,
            "running_by": self.running_by,
        }


@dataclass(frozen=True, slots=True)
class ScheduleView:
    jobs: list[JobView]
    scheduler: lease.LeaseInfo | None  # the live scheduler lease, if a scheduler runs

    def as_json(self) -> dict:
        held = self.scheduler
        return {
            "scheduler": None
            if held is None
            else {"holder": held.holder, "expires_at": held.expires_at.isoformat()},
            "jobs": [job.as_json() for job in self.jobs],
        }


async def schedule_view(
    session: AsyncSession, jobs: Iterable[Job], now: dt.datetime
) -> ScheduleView:
    views = []
    for job in jobs:
        following = plan_next(job, await last_scheduled_run(session, job.name), now)
        running = await lease.holder_of(session, lease.job_lease(job.name), now)
        views.append(
            JobView(
                name=job.name,
                schedule=job.describe_schedule(),
                description=job.description,
                last=await last_run(session, job.name),
                next_due=following.due if following else None,
                running_by=running.holder if running else None,
            )
        )
    held = await lease.holder_of(session, lease.SCHEDULER_LEASE, now)
    return ScheduleView(views, held)

"""Jobs: what runs, when (a trigger, or after another job), and what to do when it is not
ready yet (a retry window). A job is a plain async function of a ``JobContext`` that returns
a ``JobResult``; it knows nothing of leases or of the loop that runs it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedule.calendar import ArxivCalendar


class Trigger(Protocol):
    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first time strictly after ``moment`` (aware) at which the job is due."""
        ...

    def describe(self) -> str: ...


class InvalidSchedule(ValueError):
    """A cron expression or a time zone that cannot be used."""


@dataclass(frozen=True, slots=True)
class Cron:
    """A cron expression (five fields) read in a time zone, daylight saving time included."""

    expression: str
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, default_zone: str) -> Cron:
        """``"5 20 * * 0-4"``, or with its own zone: ``"TZ=Europe/Paris 0 3 * * *"``."""
        text = text.strip()
        zone_name = default_zone
        if text.startswith(("TZ=", "CRON_TZ=")):
            head, _, text = text.partition(" ")
            zone_name = head.split("=", 1)[1]
            text = text.strip()
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidSchedule(f"unknown time zone {zone_name!r}") from exc
        if len(text.split()) != 5 or not croniter.is_valid(text):
            raise InvalidSchedule(f"not a five-field cron expression: {text!r}")
        return cls(text, zone)

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        local = moment.astimezone(self.zone)
        following = croniter(self.expression, local).get_next(dt.datetime)
        return following.astimezone(dt.UTC)

    def describe(self) -> str:
        return f"{self.expression} ({self.zone.key})"


class Outcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"
    NOT_READY = "not-ready"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JobResult:
    """What one run of a job came to; ``detail`` is one line for the log and the admin page."""

    outcome: Outcome
    detail: str = ""
    crawl_run_id: int | None = None

    @classmethod
    def succeeded(cls, detail: str = "", crawl_run_id: int | None = None) -> JobResult:
        return cls(Outcome.SUCCEEDED, detail, crawl_run_id)

    @classmethod
    def skipped(cls, detail: str) -> JobResult:
        return cls(Outcome.SKIPPED, detail)

    @classmethod
    def not_ready(cls, detail: str, crawl_run_id: int | None = None) -> JobResult:
        return cls(Outcome.NOT_READY, detail, crawl_run_id)

    @classmethod
    def failed(cls, detail: str, crawl_run_id: int | None = None) -> JobResult:
        return cls(Outcome.FAILED, detail, crawl_run_id)


@dataclass(frozen=True, slots=True)
class RetryWindow:
    """Try again every ``every`` while the attempt would start within ``within`` of the slot."""

    every: dt.timedelta
    within: dt.timedelta

    def next_attempt(self, slot: dt.datetime, now: dt.datetime) -> dt.datetime | None:
        following = now + self.every
        return following if following <= slot + self.within else None


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a running job is told: when it was due, which attempt this is, and whether an
    operator asked for it (a manual run ignores the calendar)."""

    job: str
    sessions: async_sessionmaker[AsyncSession]
    calendar: ArxivCalendar
    scheduled_for: dt.datetime
    now: dt.datetime
    attempt: int = 1
    manual: bool = False


JobFunction = Callable[[JobContext], Awaitable[JobResult]]


@dataclass(frozen=True, slots=True)
class Job:
    """A named job: run by ``trigger``, right after any job in ``after`` succeeded, or by hand.

    ``retry`` applies when the job is not ready or fails; ``misfire_grace`` is how late a run
    missed while no scheduler was up may still be made.
    """

    name: str
    run: JobFunction
    trigger: Trigger | None = None
    after: tuple[str, ...] = ()
    retry: RetryWindow | None = None
    description: str = ""
    misfire_grace: dt.timedelta = dt.timedelta(hours=1)

    def describe_schedule(self) -> str:
        parts = []
        if self.trigger is not None:
            parts.append(self.trigger.describe())
        if self.after:
            parts.append("after " + ", ".join(self.after))
        return "; ".join(parts) or "by hand"


def check_jobs(jobs: Iterable[Job]) -> dict[str, Job]:
    """The jobs by name, after checking that names are unique and ``after`` names exist."""
    by_name: dict[str, Job] = {}
    for job in jobs:
        if job.name in by_name:
            raise InvalidSchedule(f"two jobs are named {job.name!r}")
        by_name[job.name] = job
    for job in by_name.values():
        for name in job.after:
            if name not in by_name:
                raise InvalidSchedule(f"job {job.name!r} runs after unknown job {name!r}")
    return by_name

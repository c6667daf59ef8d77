"""Scheduled crawls that follow arXiv's calendar.

This package owns when things run: arXiv's announcement calendar (``calendar``, pure), jobs
and their triggers (``jobs``: cron expressions in a time zone, "after another job", retry
windows), leases in the database that keep one scheduler and one run of each job at a time
(``lease``), and the scheduler that runs the jobs (``scheduler``; ``clock`` lets tests drive
it in virtual time, ``logline`` writes its ``key=value`` lines). The crawler's own jobs are
built in ``daily`` (on the fetchers of ``crawler.fetch`` through ``arxiv``, as ``setup``
reads them from the settings); ``overview`` tells the last and next run of each job. Jobs
that need other packages (summaries, search) are handed in as plain callables by the
composition layer.
"""

from retry.clock import SYSTEM_CLOCK, SleepingClock, SystemClock, VirtualClock
from schedule.calendar import ArxivCalendar, ScheduledAnnouncement
from schedule.jobs import (
    Cron,
    InvalidSchedule,
    Job,
    JobContext,
    JobFunction,
    JobResult,
    Outcome,
    RetryWindow,
)
from schedule.scheduler import (
    JobBusy,
    Pending,
    Runner,
    RunRecord,
    Scheduler,
    SchedulerOptions,
    UnknownJob,
    plan_next,
)

__all__ = [
    "SYSTEM_CLOCK",
    "ArxivCalendar",
    "Cron",
    "InvalidSchedule",
    "Job",
    "JobBusy",
    "JobContext",
    "JobFunction",
    "JobResult",
    "Outcome",
    "Pending",
    "RetryWindow",
    "RunRecord",
    "Runner",
    "ScheduledAnnouncement",
    "Scheduler",
    "SchedulerOptions",
    "SleepingClock",
    "SystemClock",
    "UnknownJob",
    "VirtualClock",
    "plan_next",
]

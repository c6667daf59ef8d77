"""The scheduler through a week of arXiv's calendar in virtual time: crawls after each
announcement, the retry of a late feed, nothing on quiet days, jobs that follow the crawl,
and the scheduler lease (two schedulers; a dead holder)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from models.ops import JobRun, JobRunStatus
from models.schema import CrawlRun, CrawlStatus
from schedule import (
    ArxivCalendar,
    Cron,
    Job,
    JobResult,
    RetryWindow,
    Runner,
    Scheduler,
    SchedulerOptions,
    VirtualClock,
    lease,
)
from schedule.calendar import EASTERN
from schedule.daily import Crawlers, DailyConfig, daily_jobs
from tests.ops.feeds import FakeFeeds, FakeHarvest

CALENDAR = ArxivCalendar()
CATEGORIES = ("cs.CL", "cs.AI")
SUNDAY_NOON = dt.datetime(2025, 11, 23, 12, 0, tzinfo=EASTERN)  # the week of Thanksgiving
NEXT_SUNDAY_NOON = SUNDAY_NOON + dt.timedelta(days=7)
WEEK_OPTIONS = SchedulerOptions(lease_ttl=dt.timedelta(hours=3))


class WeekClock(VirtualClock):
    """A virtual clock that sets ``stop`` once it has been slept past ``end``."""

    def __init__(self, start: dt.datetime, end: dt.datetime) -> None:
        super().__init__(start)
        self.end = end
        self.stop = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds)
        if self.now() >= self.end:
            self.stop.set()


# The feed crawls of the week of Thanksgiving 2025 when Wednesday's feed is 17 minutes late.
FEED_CRAWLS_OF_THE_WEEK = [
    ("crawl-rss", "Sun 20:05", "succeeded"),
    ("crawl-rss", "Mon 20:05", "succeeded"),
    ("crawl-rss", "Tue 20:05", "succeeded"),
    # Wednesday's feed is late: tried every 5 minutes until it shows the day.
    ("crawl-rss", "Wed 20:05", "not-ready"),
    ("crawl-rss", "Wed 20:10", "not-ready"),
    ("crawl-rss", "Wed 20:15", "not-ready"),
    ("crawl-rss", "Wed 20:20", "succeeded"),
    # Thanksgiving: no announcement is expected, and the feed is not asked.
    ("crawl-rss", "Thu 20:05", "skipped"),
]
FEED_ASKED_AT = [
    "Sun 20:05",
    "Mon 20:05",
    "Tue 20:05",
    "Wed 20:05",
    "Wed 20:10",
    "Wed 20:15",
    "Wed 20:20",
]


def at(moment: dt.datetime) -> str:
    return moment.astimezone(EASTERN).strftime("%a %H:%M")


async def timeline(sessions, job: str | None = None) -> list[tuple[str, str, str]]:
    async with sessions() as session:
        statement = select(JobRun).order_by(JobRun.id)
        if job:
            statement = statement.where(JobRun.job == job)
        runs = (await session.execute(statement)).scalars().all()
    return [(r.job, at(r.started_at), r.status.value) for r in runs]


def week_jobs(sessions, clock, *, late=None, rss_cron="5 20 * * 0-4", retry=None):
    feeds = FakeFeeds(sessions, clock, CALENDAR, late)
    harvest = FakeHarvest(sessions)
    config = DailyConfig(CATEGORIES, rss_cron=rss_cron)
    if retry is not None:
        config = DailyConfig(CATEGORIES, rss_cron=rss_cron, rss_retry=retry)
    summarized: list[dt.datetime] = []

    async def summarize(context) -> JobResult:
        summarized.append(context.now)
        return JobResult.succeeded("summaries made")

    async def check_index(context) -> JobResult:
        return JobResult.succeeded("index complete")

    jobs = [
        *daily_jobs(config, Crawlers(feeds, harvest_since=harvest)),
        Job("summaries", summarize, after=("crawl-rss",)),
        Job("index-check", check_index, trigger=Cron.parse("15 3 * * *", "America/New_York")),
    ]
    return jobs, feeds, harvest, summarized


async def run_week(sessions, jobs, clock: WeekClock, holder: str = "a") -> Scheduler:
    runner = Runner(
        jobs,
        sessions,
        calendar=CALENDAR,
        clock=clock,
        holder=holder,
        lease_ttl=WEEK_OPTIONS.lease_ttl,
    )
    scheduler = Scheduler(runner, WEEK_OPTIONS)
    await asyncio.wait_for(scheduler.run(clock.stop), timeout=60)
    return scheduler


async def test_a_week_of_crawls_follows_arxivs_calendar(sessions) -> None:
    clock = WeekClock(SUNDAY_NOON, NEXT_SUNDAY_NOON)
    wednesday = dt.date(2025, 11, 26)
    jobs, feeds, _, summarized = week_jobs(
        sessions, clock, late={wednesday: dt.timedelta(minutes=17)}
    )
    await run_week(sessions, jobs, clock)

    assert await timeline(sessions, "crawl-rss") == FEED_CRAWLS_OF_THE_WEEK
    # Friday and Saturday: nothing at all; the feed was asked only on announcement evenings.
    assert [at(c) for c in feeds.calls] == FEED_ASKED_AT
    assert [at(s) for s in summarized] == ["Sun 20:05", "Mon 20:05", "Tue 20:05", "Wed 20:20"]
    assert [t for _, t, _ in await timeline(sessions, "index-check")] == [
        "Mon 03:15",
        "Tue 03:15",
        "Wed 03:15",
        "Thu 03:15",
        "Fri 03:15",
        "Sat 03:15",
        "Sun 03:15",
    ]
    oai = await timeline(sessions, "catch-up-oai")
    # Sunday's 06:30 slot was missed less than the grace period before the start: made at once.
    assert [t for _, t, _ in oai] == ["Sun 12:00"] + [
        f"{d} 06:30" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    ]
    assert {s for _, _, s in oai} == {"succeeded"}
    # Each successful crawl reconciled its day: complete coverage recorded in its run.
    async with sessions() as session:
        runs = (
            (await session.execute(select(CrawlRun).where(CrawlRun.source == "rss")))
            .scalars()
            .all()
        )
    reconciled = sorted(r.gaps["day"] for r in runs if r.gaps)
    assert reconciled == ["2025-11-24", "2025-11-25", "2025-11-26", "2025-11-27"]
    assert all(r.gaps["categories"] == {} for r in runs if r.gaps)
    async with sessions() as session:
        assert await lease.leases(session) == []  # let go at the stop


async def test_a_feed_that_never_comes_is_given_up_at_the_end_of_the_window(sessions) -> None:
    start = dt.datetime(2025, 11, 26, 12, 0, tzinfo=EASTERN)
    clock = WeekClock(start, start + dt.timedelta(hours=33))
    jobs, _, _, summarized = week_jobs(
        sessions,
        clock,
        late={dt.date(2025, 11, 26): None},
        retry=RetryWindow(dt.timedelta(minutes=5), dt.timedelta(minutes=15)),
    )
    await run_week(sessions, jobs, clock)
    assert await timeline(sessions, "crawl-rss") == [
        ("crawl-rss", "Wed 20:05", "not-ready"),
        ("crawl-rss", "Wed 20:10", "not-ready"),
        ("crawl-rss", "Wed 20:15", "not-ready"),
        ("crawl-rss", "Wed 20:20", "gave-up"),
        ("crawl-rss", "Thu 20:05", "skipped"),
    ]
    assert summarized == []
    async with sessions() as session:
        details = (
            (await session.execute(select(JobRun.detail).where(JobRun.job == "crawl-rss")))
            .scalars()
            .all()
        )
    assert "not yet 2025-11-27" in details[0]


async def test_quiet_evenings_are_skipped_not_failed(sessions) -> None:
    start = dt.datetime(2025, 11, 27, 12, 0, tzinfo=EASTERN)  # Thanksgiving
    clock = WeekClock(start, start + dt.timedelta(days=3, hours=12))
    jobs, feeds, _, _ = week_jobs(sessions, clock, rss_cron="5 20 * * *")  # every evening
    await run_week(sessions, jobs, clock)
    runs = await timeline(sessions, "crawl-rss")
    assert runs == [
        ("crawl-rss", "Thu 20:05", "skipped"),
        ("crawl-rss", "Fri 20:05", "skipped"),
        ("crawl-rss", "Sat 20:05", "skipped"),
        ("crawl-rss", "Sun 20:05", "succeeded"),
    ]
    assert [at(c) for c in feeds.calls] == ["Sun 20:05"]
    async with sessions() as session:
        details = (
            (
                await session.execute(
                    select(JobRun.detail).where(JobRun.job == "crawl-rss").order_by(JobRun.id)
                )
            )
            .scalars()
            .all()
        )
    assert details[:3] == [
        "no announcement on Thu 2025-11-27 (holiday)",
        "no announcement on Fri 2025-11-28 (friday)",
        "no announcement on Sat 2025-11-29 (saturday)",
    ]


async def test_a_failing_job_is_recorded_and_retried_without_stopping_the_others(sessions):
    start = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    clock = WeekClock(start, start + dt.timedelta(hours=2))
    calls = []

    async def flaky(context) -> JobResult:
        calls.append(context.attempt)
        if context.attempt < 3:
            raise RuntimeError("arXiv said 503")
        return JobResult.succeeded("done")

    async def steady(context) -> JobResult:
        return JobResult.succeeded()

    jobs = [
        Job(
            "flaky",
            flaky,
            trigger=Cron.parse("10 12 * * *", "UTC"),
            retry=RetryWindow(dt.timedelta(minutes=10), dt.timedelta(hours=1)),
        ),
        Job("steady", steady, trigger=Cron.parse("15 12 * * *", "UTC")),
    ]
    await run_week(sessions, jobs, clock)
    assert calls == [1, 2, 3]
    assert await timeline(sessions) == [
        ("flaky", at(start.replace(minute=10)), "failed"),
        ("steady", at(start.replace(minute=15)), "succeeded"),
        ("flaky", at(start.replace(minute=20)), "failed"),
        ("flaky", at(start.replace(minute=30)), "succeeded"),
    ]
    async with sessions() as session:
        first = (await session.execute(select(JobRun).order_by(JobRun.id))).scalars().first()
    assert first.detail == "RuntimeError: arXiv said 503"


def counting_job(name: str, runs: list[str], holder: str):
    async def run(context) -> JobResult:
        runs.append(holder)
        return JobResult.succeeded()

    return Job(name, run, trigger=Cron.parse("*/10 * * * *", "UTC"))


async def test_two_schedulers_one_runs(sessions) -> None:
    clock = VirtualClock(dt.datetime(2026, 1, 5, 12, 1, tzinfo=dt.UTC))
    runs: list[str] = []
    options = SchedulerOptions(lease_ttl=dt.timedelta(minutes=2))
    schedulers = [
        Scheduler(
            Runner(
                [counting_job("tick", runs, h)],
                sessions,
                clock=clock,
                holder=h,
                lease_ttl=options.lease_ttl,
            ),
            options,
        )
        for h in ("a", "b")
    ]
    for _ in range(60):  # an hour, ticking both every minute
        for scheduler in schedulers:
            await scheduler.tick(clock.now())
        clock.advance(60)
    # The 12:00 slot, missed a minute before the start, then 12:10 to 13:00.
    assert runs == ["a"] * 7
    assert [s.leading for s in schedulers] == [True, False]
    async with sessions() as session:
        holders = set((await session.execute(select(JobRun.holder))).scalars())
    assert holders == {"a"}


async def test_a_dead_holders_lease_runs_out_and_the_standby_takes_over(sessions) -> None:
    t0 = dt.datetime(2026, 1, 5, 12, 0, 30, tzinfo=dt.UTC)
    slot = t0.replace(second=0)
    ttl = dt.timedelta(minutes=2)
    # What a scheduler killed in the middle of a crawl leaves behind:
    assert await lease.acquire(sessions, lease.SCHEDULER_LEASE, "dead", ttl, t0)
    assert await lease.acquire(sessions, lease.job_lease("tick"), "dead", ttl, t0)
    async with sessions.begin() as session:
        session.add(
            JobRun(
                job="tick",
                scheduled_for=slot,
                started_at=t0,
                holder="dead",
                status=JobRunStatus.RUNNING,
            )
        )
        session.add(CrawlRun(source="rss", started_at=t0 - dt.timedelta(hours=7)))
    clock = VirtualClock(t0 + dt.timedelta(seconds=30))
    runs: list[str] = []
    standby = Scheduler(
        Runner([counting_job("tick", runs, "b")], sessions, clock=clock, holder="b", lease_ttl=ttl),
        SchedulerOptions(lease_ttl=ttl),
    )
    await standby.tick(clock.now())
    assert not standby.leading
    clock.set(t0 + ttl - dt.timedelta(seconds=1))
    await standby.tick(clock.now())
    assert not standby.leading and runs == []
    clock.set(t0 + ttl)
    await standby.tick(clock.now())
    assert standby.leading
    async with sessions() as session:
        dead_run = (
            await session.execute(select(JobRun).where(JobRun.holder == "dead"))
        ).scalar_one()
        crawl = (await session.execute(select(CrawlRun))).scalar_one()
    assert dead_run.status is JobRunStatus.INTERRUPTED
    assert crawl.status is CrawlStatus.INTERRUPTED
    # The 12:00 run was interrupted by the death of its process: made again at once.
    assert runs == ["b"]


async def test_a_stop_abandons_a_job_that_does_not_finish_in_its_grace(sessions) -> None:
    started = asyncio.Event()

    async def endless(context) -> JobResult:
        async with context.sessions.begin() as session:
            session.add(CrawlRun(source="rss"))
        started.set()
        await asyncio.Event().wait()
        return JobResult.succeeded()

    clock = VirtualClock(dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
    runner = Runner(
        [Job("endless", endless, trigger=Cron.parse("0 12 * * *", "UTC"))],
        sessions,
        clock=clock,
        holder="a",
    )
    scheduler = Scheduler(runner, SchedulerOptions(stop_grace=0.05))
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(task, 5)
    async with sessions() as session:
        run = (await session.execute(select(JobRun))).scalar_one()
        crawl = (await session.execute(select(CrawlRun))).scalar_one()
        assert await lease.leases(session) == []
    assert run.status is JobRunStatus.INTERRUPTED
    assert crawl.status is CrawlStatus.INTERRUPTED


async def test_a_stop_lets_a_short_job_finish(sessions) -> None:
    started = asyncio.Event()

    async def short(context) -> JobResult:
        started.set()
        await asyncio.sleep(0.05)
        return JobResult.succeeded("finished")

    clock = VirtualClock(dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
    runner = Runner(
        [Job("short", short, trigger=Cron.parse("0 12 * * *", "UTC"))],
        sessions,
        clock=clock,
        holder="a",
    )
    scheduler = Scheduler(runner, SchedulerOptions(stop_grace=5))
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert await timeline(sessions) == [("short", "Mon 07:00", "succeeded")]


@pytest.mark.parametrize("busy_holder", ["web"])
async def test_a_job_running_by_hand_postpones_the_scheduled_run(sessions, busy_holder) -> None:
    t0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    clock = VirtualClock(t0)
    runs: list[str] = []
    runner = Runner([counting_job("tick", runs, "a")], sessions, clock=clock, holder="a")
    scheduler = Scheduler(runner)
    assert await lease.acquire(
        sessions, lease.job_lease("tick"), busy_holder, dt.timedelta(minutes=5), t0
    )
    wake = await scheduler.tick(t0)
    assert runs == []
    assert [p.due for p in scheduler.pending] == [t0 + dt.timedelta(minutes=1)]
    await lease.release(sessions, lease.job_lease("tick"), busy_holder)
    clock.set(t0 + dt.timedelta(minutes=1))
    await scheduler.tick(clock.now())
    assert runs == ["a"] and wake <= t0 + dt.timedelta(minutes=1)


async def test_a_failing_tick_is_logged_and_the_scheduler_goes_on(sessions, monkeypatch) -> None:
    start = dt.datetime(2026, 1, 5, 11, 0, tzinfo=dt.UTC)
    clock = WeekClock(start, start + dt.timedelta(hours=2))
    real_acquire = lease.acquire
    failures = []

    async def flaky_acquire(*args, **kwargs):
        if not failures:
            failures.append(True)
            raise OSError("disk I/O error")
        return await real_acquire(*args, **kwargs)

    monkeypatch.setattr(lease, "acquire", flaky_acquire)
    runs: list[str] = []
    job = counting_job("tick", runs, "a")
    runner = Runner([job], sessions, clock=clock, holder="a")
    await asyncio.wait_for(Scheduler(runner).run(clock.stop), timeout=60)
    assert failures == [True]
    # 11:00 (made on the next tick) and 11:10 to 12:50: the schedule went on.
    assert len(runs) == 12


async def test_a_scheduler_started_late_in_the_evening_still_crawls_it(sessions) -> None:
    start = dt.datetime(2025, 11, 25, 22, 30, tzinfo=EASTERN)  # Tuesday, 2.5 h after 20:05
    clock = WeekClock(start, start + dt.timedelta(hours=1))
    jobs, feeds, _, _ = week_jobs(sessions, clock)
    await run_week(sessions, jobs, clock)
    assert await timeline(sessions, "crawl-rss") == [("crawl-rss", "Tue 22:30", "succeeded")]
    assert [feeds.shown_day(c) for c in feeds.calls] == [dt.date(2025, 11, 26)]

"""A week of arXiv's calendar against the fake arXiv server: the scheduler, the real
fetchers (feed, API, OAI-PMH), a late feed polled with conditional requests, a holiday."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crawler.fetch import ArxivClient
from models.schema import Announcement, CrawlRun
from schedule import ArxivCalendar, Runner, Scheduler
from schedule.arxiv import arxiv_crawlers, oai_sets
from schedule.calendar import EASTERN
from schedule.setup import crawler_jobs
from tests.ops.arxiv import LAYA_CATEGORIES, CalendarArxiv
from tests.schedule.test_scheduler import (
    FEED_ASKED_AT,
    FEED_CRAWLS_OF_THE_WEEK,
    NEXT_SUNDAY_NOON,
    SUNDAY_NOON,
    WEEK_OPTIONS,
    WeekClock,
    at,
    timeline,
)

CALENDAR = ArxivCalendar()


def arxiv_settings(settings, arxiv):
    return settings.model_copy(
        update={
            "ARXIV_RSS_BASE": arxiv.url,
            "ARXIV_API_BASE": arxiv.url + "/api",
            "ARXIV_OAI_BASE": arxiv.url + "/oai",
            "CATEGORIES": list(LAYA_CATEGORIES),
        }
    )


async def test_a_week_against_the_fake_arxiv(settings, sessions) -> None:
    clock = WeekClock(SUNDAY_NOON, NEXT_SUNDAY_NOON)
    wednesday = dt.date(2025, 11, 26)
    with CalendarArxiv(clock, CALENDAR, late={wednesday: dt.timedelta(minutes=17)}) as arxiv:
        configured = arxiv_settings(settings, arxiv)
        async with ArxivClient.from_settings(configured) as client:
            jobs = crawler_jobs(configured, arxiv_crawlers(configured, client))
            runner = Runner(
                jobs,
                sessions,
                calendar=CALENDAR,
                clock=clock,
                holder="a",
                lease_ttl=WEEK_OPTIONS.lease_ttl,
            )
            await Scheduler(runner, WEEK_OPTIONS).run(clock.stop)
        oai_requests = arxiv.seen("/oai")
        rss_requests = arxiv.seen("/rss/" + "+".join(LAYA_CATEGORIES))

    assert await timeline(sessions, "crawl-rss") == FEED_CRAWLS_OF_THE_WEEK
    # The feed was asked on announcement evenings only; while late, it answered 304.
    assert [at(moment) for moment in arxiv.asked] == FEED_ASKED_AT
    assert [r.headers.get("if-none-match") is not None for r in rss_requests] == [
        False,
        True,
        True,
        True,
        True,
        True,
        True,
    ]
    async with sessions() as session:
        days = (
            await session.execute(
                select(Announcement.announced_on, func.count())
                .group_by(Announcement.announced_on)
                .order_by(Announcement.announced_on)
            )
        ).all()
        runs = (await session.execute(select(CrawlRun).order_by(CrawlRun.id))).scalars().all()
    # Every announcement day holds the feed's papers, by the day the feed dated them.
    assert [(d.isoformat(), n) for d, n in days] == [
        (f"2025-11-{d}", n) for d, n in ((24, 6), (25, 6), (26, 6), (27, 6))
    ]
    reconciled = [r.gaps for r in runs if r.source == "rss" and r.gaps and "day" in r.gaps]
    assert [g["day"] for g in reconciled] == [
        "2025-11-24",
        "2025-11-25",
        "2025-11-26",
        "2025-11-27",
    ]
    assert all(g["categories"] == {} and g["still_missing"] == [] for g in reconciled)
    # The OAI-PMH catch-up ran each morning, on the set of the categories.
    assert [r.param("set") for r in oai_requests] == ["cs", "stat"] * 8
    assert oai_sets(LAYA_CATEGORIES) == ["cs", "stat"]
    assert [t for _, t, _ in await timeline(sessions, "catch-up-oai")][1:] == [
        f"{d} 06:30" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    ]
    assert EASTERN.key == "America/New_York"

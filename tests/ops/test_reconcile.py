"""Coverage reconciliation: the feed's papers per category against the database; a gap is
recorded in the crawl run and re-fetched through the API (of the fake arXiv server)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from crawler.fetch import ArxivClient
from crawler.reconcile import find_gaps, listing_of, recorded_gaps
from models.ops import JobRunStatus
from models.schema import Announcement, CrawlRun, Paper
from schedule import Runner, VirtualClock
from schedule.arxiv import arxiv_crawlers
from schedule.setup import crawler_jobs
from tests.ops.arxiv import CalendarArxiv
from tests.ops.feeds import paper
from tests.ops.test_week_fakearxiv import CALENDAR, arxiv_settings

DAY = dt.date(2026, 9, 24)
WEDNESDAY = dt.datetime(2026, 9, 23, 21, 0, tzinfo=dt.UTC)  # the feed lists Wednesday's papers
FEED_DAY = dt.date(2026, 9, 23)


def test_a_paper_counts_in_each_crawled_category_it_is_listed_in() -> None:
    records = [
        paper("2609.00001", DAY, "cs.CL"),
        paper("2609.00002", DAY, "cs.LG"),
        paper("2609.00003", DAY - dt.timedelta(days=1), "cs.CL"),  # another day
    ]
    records.append(paper("2609.00004", DAY, "stat.ML"))  # in the archive stat
    listing = listing_of(records, ("cs.CL", "cs.LG", "stat"), DAY)
    assert listing.counts() == {"cs.CL": 1, "cs.LG": 1, "stat": 1}
    gaps = find_gaps(listing, {"cs.CL": {"2609.00001"}, "cs.LG": set(), "stat": {"2609.00004"}})
    assert [(g.category, g.announced, g.stored, g.missing) for g in gaps] == [
        ("cs.LG", 1, 0, ("2609.00002",))
    ]


async def test_a_removed_paper_is_found_missing_recorded_and_fetched_again(
    settings, sessions
) -> None:
    clock = VirtualClock(WEDNESDAY)
    with CalendarArxiv(clock, CALENDAR) as arxiv:
        configured = arxiv_settings(settings, arxiv)
        async with ArxivClient.from_settings(configured) as client:
            runner = Runner(
                crawler_jobs(configured, arxiv_crawlers(configured, client)),
                sessions,
                calendar=CALENDAR,
                clock=clock,
            )
            crawled = await runner.run_now("crawl-rss")
            assert crawled[0].status is JobRunStatus.SUCCEEDED, crawled[0].detail
            assert "coverage complete" in crawled[0].detail

            removed = ["2609.26820", "2205.06398"]  # in cs.LG and cs.AI; in stat.ML
            async with sessions.begin() as session:
                await session.execute(delete(Paper).where(Paper.id.in_(removed)))
            api_before = len(arxiv.seen("/api/query"))

            reconciled = await runner.run_now("reconcile")
        api_requests = arxiv.seen("/api/query")[api_before:]

    record = reconciled[0]
    assert record.status is JobRunStatus.SUCCEEDED, record.detail
    # 2609.26820 is in cs.LG and cs.AI, 2205.06398 in stat.ML; cs.LG and stat.ML also
    # list 2009.13987, which stayed.
    assert "gaps cs.AI 0/1, cs.LG 2/3, stat.ML 1/2; refetched 2" in record.detail
    # Re-fetched through the API, both ids in one look-up.
    assert [sorted(r.param("id_list").split(",")) for r in api_requests] == [sorted(removed)]
    async with sessions() as session:
        run = await session.get(CrawlRun, record.crawl_run_id)
        back = (
            await session.execute(
                select(Announcement.paper_id, Announcement.category, Announcement.type)
                .where(Announcement.paper_id.in_(removed), Announcement.announced_on == FEED_DAY)
                .order_by(Announcement.paper_id, Announcement.category)
            )
        ).all()
        gaps = await recorded_gaps(session)
    assert run.source == "reconcile"
    assert run.gaps["day"] == FEED_DAY.isoformat()
    assert run.gaps["categories"] == {
        "cs.AI": {"announced": 1, "stored": 0, "missing": ["2609.26820"]},
        "cs.LG": {"announced": 3, "stored": 2, "missing": ["2609.26820"]},
        "stat.ML": {"announced": 2, "stored": 1, "missing": ["2205.06398"]},
    }
    assert run.gaps["refetched"] == 2 and run.gaps["still_missing"] == []
    # The papers are back, announced on the feed's day as the feed listed them.
    assert [(p, c, t.value) for p, c, t in back] == [
        ("2205.06398", "stat.ML", "cross"),
        ("2609.26820", "cs.AI", "cross"),
        ("2609.26820", "cs.LG", "new"),
    ]
    assert {(g.category, g.missing, g.still_missing) for g in gaps} == {
        ("cs.AI", 1, 0),
        ("cs.LG", 1, 0),
        ("stat.ML", 1, 0),
    }


async def test_a_gap_the_api_cannot_fill_stays_missing(settings, sessions) -> None:
    clock = VirtualClock(WEDNESDAY)
    with CalendarArxiv(clock, CALENDAR) as arxiv:
        del arxiv.api_corpus["2609.26811"]  # the API does not know it (yet)
        configured = arxiv_settings(settings, arxiv)
        async with ArxivClient.from_settings(configured) as client:
            runner = Runner(
                crawler_jobs(configured, arxiv_crawlers(configured, client)),
                sessions,
                calendar=CALENDAR,
                clock=clock,
            )
            await runner.run_now("crawl-rss")
            async with sessions.begin() as session:
                await session.execute(delete(Paper).where(Paper.id == "2609.26811"))
            record = (await runner.run_now("reconcile"))[0]
    assert record.status is JobRunStatus.FAILED
    assert "still missing 1" in record.detail
    async with sessions() as session:
        run = await session.get(CrawlRun, record.crawl_run_id)
    assert run.gaps["still_missing"] == ["2609.26811"]

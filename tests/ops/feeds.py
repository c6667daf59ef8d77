"""A feed that follows arXiv's calendar in virtual time, for driving the scheduler without
a network: it lists the papers of the latest announcement whose feed is out (a late feed
appears some minutes after 20:00), and ingests them as the real crawl does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import IngestCounts
from crawler.records import AnnouncementRecord, PaperRecord
from crawler.runs import finish_run, start_run
from schedule import ArxivCalendar, SleepingClock
from schedule.daily import CatchUp, FeedCrawl
from tests.indexed import ingest


def paper(arxiv_id: str, day: dt.date, category: str = "cs.CL", kind: str = "new") -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=1,
        title=f"Paper {arxiv_id}",
        abstract="An abstract.",
        primary_category=category,
        categories=(category,),
        announcement=AnnouncementRecord(day, kind, (category,)),
    )


def papers_of(
    day: dt.date, per_category: int = 3, categories=("cs.CL", "cs.AI")
) -> list[PaperRecord]:
    stamp = day.strftime("%y%m")
    records = []
    for c_index, category in enumerate(categories):
        for n in range(per_category):
            number = day.day * 1000 + c_index * 100 + n
            records.append(paper(f"{stamp}.{number:05d}", day, category))
    return records


def shown_day(
    calendar: ArxivCalendar, late: dict[dt.date, dt.timedelta | None], moment: dt.datetime
) -> dt.date | None:
    """The day a feed shows at ``moment``: the latest announcement whose feed is out."""
    probe = moment
    for _ in range(10):
        announcement = calendar.latest(probe)
        delay = late.get(announcement.evening, dt.timedelta(0))
        if delay is not None and announcement.at + delay <= moment:
            return announcement.day
        probe = announcement.at - dt.timedelta(seconds=1)
    return None


class FakeFeeds:
    """``late`` maps an evening to how long after 20:00 its feed appears (``None``: never)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: SleepingClock,
        calendar: ArxivCalendar,
        late: dict[dt.date, dt.timedelta | None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.calendar = calendar
        self.late = late or {}
        self.calls: list[dt.datetime] = []

    def shown_day(self, moment: dt.datetime) -> dt.date | None:
        return shown_day(self.calendar, self.late, moment)

    async def __call__(self, sessions, categories: tuple[str, ...]) -> FeedCrawl:
        now = self.clock.now()
        self.calls.append(now)
        day = self.shown_day(now)
        records = papers_of(day, categories=categories) if day else []
        run_id = await start_run(self.sessions, "rss", {"categories": list(categories)})
        async with self.sessions.begin() as session:
            counts = await ingest(session, records, crawl_run_id=run_id)
        await finish_run(self.sessions, run_id, counts)
        return FeedCrawl(run_id, records, counts.new, counts.updated)


class FakeHarvest:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.since: list[dt.date] = []

    async def __call__(self, sessions, since: dt.date, categories: tuple[str, ...]) -> CatchUp:
        self.since.append(since)
        run_id = await start_run(self.sessions, "oai", {"from": since.isoformat()})
        await finish_run(self.sessions, run_id, IngestCounts())
        return CatchUp(run_id)

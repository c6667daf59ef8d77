"""The crawler's own jobs: the daily feed crawl that follows arXiv's calendar (with its
coverage reconciliation) and the daily OAI-PMH catch-up.

The crawls themselves are handed in (``Crawlers``), so that the timing logic can be driven
against a fake arXiv, or against plain functions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks
from crawler.reconcile import FetchIds, listing_of, reconcile
from crawler.records import PaperRecord
from crawler.runs import finish_run, start_run
from models.schema import Announcement, CrawlRun, CrawlStatus
from schedule.calendar import ArxivCalendar
from schedule.jobs import Cron, Job, JobContext, JobResult, RetryWindow
from schedule.logline import kv

log = logging.getLogger("coolpapers.crawl")

RSS_JOB = "crawl-rss"
OAI_JOB = "catch-up-oai"
RECONCILE_JOB = "reconcile"


@dataclass(frozen=True, slots=True)
class FeedCrawl:
    """What a crawl of the daily feeds brought: its run, and the records the feeds listed."""

    crawl_run_id: int | None
    records: list[PaperRecord]
    new: int = 0
    updated: int = 0
    error: str | None = None
    not_modified: bool = False  # the feed is the one an earlier crawl stored (HTTP 304)


@dataclass(frozen=True, slots=True)
class CatchUp:
    crawl_run_id: int | None
    new: int = 0
    updated: int = 0
    error: str | None = None


Sessions = async_sessionmaker[AsyncSession]
# Crawls the feeds of the categories; ``conditional`` lets it answer "not modified".
CrawlFeeds = Callable[..., Awaitable[FeedCrawl]]
HarvestSince = Callable[[Sessions, dt.date, tuple[str, ...]], Awaitable[CatchUp]]


# Reads the current feed of the categories without storing it.
ReadFeed = Callable[[tuple[str, ...]], Awaitable[list[PaperRecord]]]


@dataclass(frozen=True, slots=True)
class Crawlers:
    """The crawl functions the jobs call: the feeds, the API by ids, OAI-PMH since a day,
    and the feed read without storing it (for a reconciliation by hand); ``hooks`` go with
    the papers a reconciliation re-fetches."""

    feeds: CrawlFeeds
    fetch_ids: FetchIds | None = None
    harvest_since: HarvestSince | None = None
    read_feed: ReadFeed | None = None
    hooks: IngestHooks = NO_HOOKS


@dataclass(frozen=True, slots=True)
class DailyConfig:
    categories: tuple[str, ...]
    zone: str = "America/New_York"
    rss_cron: str = "5 20 * * 0-4"
    rss_retry: RetryWindow = field(
        default_factory=lambda: RetryWindow(dt.timedelta(minutes=5), dt.timedelta(hours=4))
    )
    oai_cron: str = "30 6 * * *"
    oai_overlap_days: int = 2  # harvest from this many days before the last harvest


def evening_for(calendar: ArxivCalendar, moment: dt.datetime) -> dt.date:
    """The announcement evening a crawl at ``moment`` is for: from noon to noon Eastern, the
    evening of that afternoon (a crawl at 00:30 is still for the evening before)."""
    return calendar.evening_of(moment - dt.timedelta(hours=12))


def feed_days(records: list[PaperRecord]) -> list[dt.date]:
    return sorted({r.announcement.announced_on for r in records if r.announcement})


def rss_job_function(config: DailyConfig, crawlers: Crawlers):
    async def crawl_rss(context: JobContext) -> JobResult:
        expected: dt.date | None = None
        if not context.manual:
            evening = evening_for(context.calendar, context.scheduled_for)
            reason = context.calendar.quiet_reason(evening)
            if reason is not None:
                return JobResult.skipped(f"no announcement on {evening:%a %Y-%m-%d} ({reason})")
            expected = context.calendar.announcement(evening).day
        crawl = await crawlers.feeds(context.sessions, config.categories)
        if crawl.not_modified and not crawl.error:
            held = expected is not None and await stored_day(context, expected)
            if not held:
                log.info(kv(crawl="rss", run=crawl.crawl_run_id, not_modified=True))
                if expected is None:
                    return JobResult.succeeded(
                        "the feed has not changed since the last crawl", crawl.crawl_run_id
                    )
                return JobResult.not_ready(
                    f"the feed has not changed since the last crawl, not yet {expected}",
                    crawl.crawl_run_id,
                )
            # Stored by another crawl since the announcement: read it again to reconcile.
            crawl = await crawlers.feeds(context.sessions, config.categories, conditional=False)
        days = feed_days(crawl.records)
        shown = days[-1] if days else None
        log.info(
            kv(
                crawl="rss",
                run=crawl.crawl_run_id,
                day=shown,
                expected=expected,
                items=len(crawl.records),
                new=crawl.new,
                updated=crawl.updated,
                error=crawl.error,
            )
        )
        if crawl.error:
            return JobResult.failed(crawl.error, crawl.crawl_run_id)
        if expected is not None and expected not in days:
            return JobResult.not_ready(
                f"the feed shows {shown or 'no papers'}, not yet {expected}", crawl.crawl_run_id
            )
        day = expected or shown
        if day is None:
            return JobResult.succeeded("the feed lists no papers", crawl.crawl_run_id)
        listing = listing_of(crawl.records, config.categories, day)
        result = await reconcile(
            context.sessions,
            listing,
            fetch_ids=crawlers.fetch_ids,
            crawl_run_id=crawl.crawl_run_id,
            hooks=crawlers.hooks,
        )
        log.info(
            kv(
                reconcile=day,
                run=crawl.crawl_run_id,
                gaps=len(result.gaps),
                missing=len(result.missing),
                refetched=result.refetched,
                still_missing=len(result.still_missing),
            )
        )
        detail = (
            f"{day}: {len(listing.records)} papers, {crawl.new} new, "
            f"{crawl.updated} updated; coverage {result.summary()}"
        )
        return JobResult.succeeded(detail, crawl.crawl_run_id)

    return crawl_rss


async def stored_day(context: JobContext, day: dt.date) -> bool:
    """Whether the database holds announcements of ``day``."""
    async with context.sessions() as session:
        found = await session.execute(
            select(Announcement.id).where(Announcement.announced_on == day).limit(1)
        )
        return found.first() is not None


async def last_harvest_day(context: JobContext) -> dt.date | None:
    """The day of the start of the last OAI harvest that succeeded."""
    async with context.sessions() as session:
        started = (
            await session.execute(
                select(CrawlRun.started_at)
                .where(CrawlRun.source == "oai", CrawlRun.status == CrawlStatus.SUCCEEDED)
                .order_by(CrawlRun.started_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    return started.date() if started else None


def oai_job_function(config: DailyConfig, crawlers: Crawlers):
    async def catch_up(context: JobContext) -> JobResult:
        assert crawlers.harvest_since is not None
        today = context.now.astimezone(dt.UTC).date()
        last = await last_harvest_day(context)
        since = (last or today) - dt.timedelta(days=config.oai_overlap_days)
        result = await crawlers.harvest_since(context.sessions, since, config.categories)
        log.info(
            kv(
                crawl="oai",
                run=result.crawl_run_id,
                since=since,
                new=result.new,
                updated=result.updated,
                error=result.error,
            )
        )
        if result.error:
            return JobResult.failed(result.error, result.crawl_run_id)
        return JobResult.succeeded(
            f"since {since}: {result.new} new, {result.updated} updated", result.crawl_run_id
        )

    return catch_up


def reconcile_job_function(config: DailyConfig, crawlers: Crawlers):
    async def reconcile_now(context: JobContext) -> JobResult:
        assert crawlers.read_feed is not None
        records = await crawlers.read_feed(config.categories)
        days = feed_days(records)
        if not days:
            return JobResult.skipped("the feed lists no papers (no announcement)")
        listing = listing_of(records, config.categories, days[-1])
        run_id = await start_run(
            context.sessions,
            "reconcile",
            {"categories": list(config.categories), "day": days[-1].isoformat()},
        )
        try:
            result = await reconcile(
                context.sessions,
                listing,
                fetch_ids=crawlers.fetch_ids,
                crawl_run_id=run_id,
                hooks=crawlers.hooks,
            )
        except BaseException as exc:
            status = (
                CrawlStatus.INTERRUPTED
                if isinstance(exc, asyncio.CancelledError)
                else CrawlStatus.FAILED
            )
            await finish_run(
                context.sessions,
                run_id,
                IngestCounts(),
                status=status,
                error=str(exc) or type(exc).__name__,
            )
            raise
        await finish_run(context.sessions, run_id, result.counts)
        log.info(
            kv(
                reconcile=listing.day,
                run=run_id,
                gaps=len(result.gaps),
                missing=len(result.missing),
                refetched=result.refetched,
                still_missing=len(result.still_missing),
            )
        )
        detail = f"{listing.day}: {len(listing.records)} papers; coverage {result.summary()}"
        if result.still_missing:
            return JobResult.failed(detail, run_id)
        return JobResult.succeeded(detail, run_id)

    return reconcile_now


def daily_jobs(config: DailyConfig, crawlers: Crawlers) -> list[Job]:
    """The feed crawl and the OAI catch-up, as configured (a cron of ``off`` drops a job)."""
    jobs = []
    if config.rss_cron != "off":
        jobs.append(
            Job(
                RSS_JOB,
                rss_job_function(config, crawlers),
                trigger=Cron.parse(config.rss_cron, config.zone),
                retry=config.rss_retry,
                # A scheduler that starts late in the evening still crawls that evening's feed.
                misfire_grace=max(dt.timedelta(hours=1), config.rss_retry.within),
                description="crawl the daily feeds after arXiv's announcement, then reconcile",
            )
        )
    if config.oai_cron != "off" and crawlers.harvest_since is not None:
        jobs.append(
            Job(
                OAI_JOB,
                oai_job_function(config, crawlers),
                trigger=Cron.parse(config.oai_cron, config.zone),
                retry=RetryWindow(dt.timedelta(minutes=30), dt.timedelta(hours=3)),
                misfire_grace=dt.timedelta(hours=6),
                description="harvest what changed through OAI-PMH (catch-up)",
            )
        )
    if crawlers.read_feed is not None:
        jobs.append(
            Job(
                RECONCILE_JOB,
                reconcile_job_function(config, crawlers),
                description="compare the current feed with the database; re-fetch the gaps",
            )
        )
    return jobs

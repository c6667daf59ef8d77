"""The schedule as the application runs it: the crawler's jobs, plus the jobs that need
other packages, composed here as plain callables (summary pre-generation after each feed
crawl, the nightly search-index check, the weekly venue re-crawl)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import func, select

from crawler.ingest import NO_HOOKS, IngestHooks
from models.schema import Announcement
from models.settings import Settings
from schedule import Cron, Job, JobContext, JobResult
from schedule.daily import RSS_JOB
from schedule.setup import crawler_jobs

log = logging.getLogger("coolpapers.schedule")

SUMMARIES_JOB = "summaries"
INDEX_JOB = "index-check"
FULLTEXT_JOB = "fulltext"
ALERTS_JOB = "alerts"
VENUES_JOB = "crawl-venues"


def summaries_job(settings: Settings) -> Job:
    async def pregenerate(context: JobContext) -> JobResult:
        from summaries import JobState, SummaryError, SummaryService
        from summaries.selection import papers_to_summarize

        async with context.sessions() as session:
            day = (await session.execute(select(func.max(Announcement.announced_on)))).scalar()
        if day is None:
            return JobResult.skipped("no announced papers yet")
        service = SummaryService.from_settings(settings, context.sessions)
        try:
            work: list[tuple[str, str]] = []
            async with context.sessions() as session:
                for language in settings.SUMMARY_LANGUAGES:
                    ids = await papers_to_summarize(
                        session, language=language, model=service.model, day=day
                    )
                    work += [(paper_id, language) for paper_id in ids]
            if not work:
                return JobResult.skipped(f"every paper of {day} has its summaries")
            jobs = []
            refused = None
            for paper_id, language in work:
                try:
                    jobs.append(await service.start(paper_id, language, background=True))
                except SummaryError as exc:  # the daily budget is spent: so is the rest
                    refused = str(exc)
                    break
            await asyncio.gather(*(job.wait() for job in jobs))
        finally:
            await service.aclose()
        made = sum(1 for job in jobs if job.state == JobState.COMPLETE)
        detail = f"{made} of {len(work)} summaries of {day} made by {service.model}"
        if refused:
            detail += f"; stopped: {refused}"
        if jobs and made == 0:
            return JobResult.failed(detail)
        return JobResult.succeeded(detail)

    return Job(
        SUMMARIES_JOB,
        pregenerate,
        after=(RSS_JOB,),
        description="make the summaries of the day's papers ahead of readers",
    )


def fulltext_job(settings: Settings) -> Job:
    """With FULLTEXT=daily: the full texts of the latest day's papers of CATEGORIES, one
    request at a time after the feed crawl (failed ones are tried again the next day)."""

    async def fetch(context: JobContext) -> JobResult:
        from fulltext.fetch import FetchConfig, fulltext_client
        from fulltext.service import fetch_day

        async with fulltext_client(settings) as client:
            result = await fetch_day(
                context.sessions, client, FetchConfig.from_settings(settings), settings.CATEGORIES
            )
        if result.day is None:
            return JobResult.skipped("no announced papers yet")
        if not result.fetched:
            return JobResult.skipped(f"every paper of {result.day} has its full text")
        counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts().items()))
        detail = f"full texts of {result.day}: {counts} ({result.already} stored before)"
        if not result.counts().get("ok"):
            return JobResult.failed(detail)
        return JobResult.succeeded(detail)

    return Job(
        FULLTEXT_JOB,
        fetch,
        after=(RSS_JOB,),
        description="fetch the full texts of the day's papers (FULLTEXT=daily)",
    )


def alerts_job(settings: Settings) -> Job:
    """With SMTP_HOST set: the day's digests, after the summaries so their FAQ lines show."""

    async def send(context: JobContext) -> JobResult:
        from alerts import Mailer, send_digests
        from cli.alerts import digest_settings

        if not settings.BASE_URL:
            return JobResult.failed("set BASE_URL: the digests' links start with it")
        config, smtp = digest_settings(settings)
        async with Mailer(smtp) as mailer:
            report = await send_digests(context.sessions, mailer, config)
        if report.day is None:
            return JobResult.skipped("no announced papers yet")
        if report.failed and not report.sent:
            return JobResult.failed(report.describe())
        return JobResult.succeeded(report.describe())

    return Job(
        ALERTS_JOB,
        send,
        after=(SUMMARIES_JOB,),
        description="mail the day's alert digests (with SMTP_HOST)",
    )


def index_check_job(settings: Settings) -> Job:
    async def check(context: JobContext) -> JobResult:
        from search.indexing import check_index, rebuild_index

        async with context.sessions() as session:
            found = await check_index(session)
        if not found.supported:
            return JobResult.skipped("this database has no search index")
        if found.ok:
            return JobResult.succeeded(
                f"{found.indexed} of {found.papers} papers indexed, {found.compared} compared"
            )
        problems = (
            f"{found.unindexed} unindexed, {len(found.orphans)} orphans, "
            f"{len(found.stale)} stale"
            + (f", integrity: {found.integrity}" if found.integrity else "")
        )
        report = await rebuild_index(context.sessions)
        return JobResult.succeeded(f"repaired ({problems}): {report.papers} papers reindexed")

    return Job(
        INDEX_JOB,
        check,
        trigger=Cron.parse(settings.SCHEDULE_INDEX_CHECK, settings.SCHEDULE_TIMEZONE),
        description="check the search index against the papers; rebuild it when it is off",
    )


def venues_job(
    settings: Settings, *, client_options: dict | None = None, hooks: IngestHooks = NO_HOOKS
) -> Job:
    """With VENUES set: re-crawl each venue from its source every week, so that late
    decisions and camera-ready changes arrive; one failing venue does not stop the others."""

    async def recrawl(context: JobContext) -> JobResult:
        from cli.crawl import venue_bases
        from crawler.fetch import ArxivClient, CrawlError
        from venues.crawl import crawl_venue
        from venues.records import VenueError

        done, failed = [], []
        last_run = None
        async with ArxivClient.from_settings(settings, **(client_options or {})) as client:
            for venue in settings.VENUES:
                try:
                    result = await crawl_venue(
                        context.sessions, client, venue, bases=venue_bases(settings), hooks=hooks
                    )
                except (CrawlError, VenueError) as exc:
                    log.warning("venue %s: %s", venue, exc)
                    failed.append(f"{venue}: {exc}")
                    continue
                last_run = result.run_id
                c = result.counts
                done.append(f"{venue} {result.papers} ({c.new} new, {c.updated} updated)")
        detail = "; ".join(done + failed)
        if failed and not done:
            return JobResult.failed(detail, last_run)
        return JobResult.succeeded(detail, last_run)

    return Job(
        VENUES_JOB,
        recrawl,
        trigger=Cron.parse(settings.SCHEDULE_VENUES, settings.SCHEDULE_TIMEZONE),
        description="re-crawl the venues of VENUES from their sources",
    )


def all_jobs(settings: Settings, *, hooks: IngestHooks = NO_HOOKS) -> list[Job]:
    """Every job of the schedule, as the settings configure it; the crawls ingest with
    ``hooks``."""
    jobs = crawler_jobs(settings, hooks=hooks)
    if any(job.name == RSS_JOB for job in jobs):
        jobs.append(summaries_job(settings))
        if settings.SMTP_HOST:
            jobs.append(alerts_job(settings))
        if settings.FULLTEXT == "daily":
            jobs.append(fulltext_job(settings))
    if settings.SCHEDULE_INDEX_CHECK != "off":
        jobs.append(index_check_job(settings))
    if settings.VENUES and settings.SCHEDULE_VENUES != "off":
        jobs.append(venues_job(settings, hooks=hooks))
    return jobs

"""The schedule as the settings describe it: the calendar with the configured holidays,
the crawler's daily jobs, the scheduler's options."""

from __future__ import annotations

import datetime as dt

from crawler.ingest import NO_HOOKS, IngestHooks
from models.settings import Settings
from schedule.calendar import ArxivCalendar
from schedule.daily import Crawlers, DailyConfig, daily_jobs
from schedule.jobs import Job, RetryWindow
from schedule.scheduler import SchedulerOptions


def calendar_of(settings: Settings) -> ArxivCalendar:
    return ArxivCalendar().with_holidays(settings.SCHEDULE_HOLIDAYS)


def daily_config(settings: Settings) -> DailyConfig:
    return DailyConfig(
        categories=tuple(settings.CATEGORIES),
        zone=settings.SCHEDULE_TIMEZONE,
        rss_cron=settings.SCHEDULE_RSS,
        rss_retry=RetryWindow(
            dt.timedelta(minutes=settings.SCHEDULE_RSS_RETRY_MINUTES),
            dt.timedelta(hours=settings.SCHEDULE_RSS_RETRY_HOURS),
        ),
        oai_cron=settings.SCHEDULE_OAI,
    )


def scheduler_options(settings: Settings) -> SchedulerOptions:
    return SchedulerOptions(
        lease_ttl=dt.timedelta(seconds=settings.SCHEDULE_LEASE_TTL),
        stop_grace=settings.SCHEDULE_STOP_GRACE,
    )


def crawler_jobs(
    settings: Settings, crawlers: Crawlers | None = None, *, hooks: IngestHooks = NO_HOOKS
) -> list[Job]:
    """The crawler's jobs (feed crawl, OAI catch-up), crawling arXiv as configured unless
    other ``crawlers`` are given; arXiv's crawls ingest with ``hooks``."""
    if crawlers is None:
        from schedule.arxiv import arxiv_crawlers

        crawlers = arxiv_crawlers(settings, hooks=hooks)
    return daily_jobs(daily_config(settings), crawlers)

"""The daily full-text job: composed after the feed crawl only with FULLTEXT=daily."""

from __future__ import annotations

import datetime as dt

from cli.operations import FULLTEXT_JOB, all_jobs, fulltext_job
from models.schema import Announcement, AnnounceType, Category
from schedule import JobContext
from schedule.daily import RSS_JOB
from schedule.setup import calendar_of
from tests.fakearxiv import FakeArxiv
from tests.fulltext.conftest import DELEGATE, add_paper


def test_the_job_exists_only_with_fulltext_daily(settings):
    assert FULLTEXT_JOB not in [job.name for job in all_jobs(settings)]
    daily = settings.model_copy(update={"FULLTEXT": "daily"})
    [job] = [job for job in all_jobs(daily) if job.name == FULLTEXT_JOB]
    assert job.after == (RSS_JOB,)


async def test_the_job_fetches_the_latest_days_papers(settings, sessions):
    await add_paper(sessions, DELEGATE)
    async with sessions() as session:
        session.add(Category(code="cs.CL"))
        await session.flush()
        session.add(
            Announcement(
                paper_id=DELEGATE,
                category="cs.CL",
                type=AnnounceType.NEW,
                announced_on=dt.date(2026, 4, 17),
                version=1,
            )
        )
        await session.commit()
    now = dt.datetime(2026, 4, 18, tzinfo=dt.UTC)
    with FakeArxiv() as arxiv:
        daily = settings.model_copy(
            update={
                "FULLTEXT": "daily",
                "CATEGORIES": ["cs.CL"],
                "ARXIV_HTML_BASE": arxiv.url + "/html",
                "ARXIV_PDF_BASE": arxiv.url + "/pdf",
            }
        )
        context = JobContext(FULLTEXT_JOB, sessions, calendar_of(daily), now, now)
        result = await fulltext_job(daily).run(context)
        assert result.outcome == "succeeded", result.detail
        assert result.detail == "full texts of 2026-04-17: 1 ok (0 stored before)"
        again = await fulltext_job(daily).run(context)
    assert again.outcome == "skipped"
    assert len(arxiv.seen()) == 1

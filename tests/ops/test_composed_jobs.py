"""The jobs composed in the CLI: summary pre-generation and the nightly index check."""

from __future__ import annotations

from sqlalchemy import text

from cli.operations import all_jobs, index_check_job
from crawler.imports import import_files
from models.ops import JobRunStatus
from schedule import Runner
from tests.ops.test_cli_ops import FEED


async def test_summaries_are_made_for_the_latest_day_once(settings, sessions) -> None:
    await import_files(sessions, [FEED])
    runner = Runner(all_jobs(settings), sessions)
    first = (await runner.run_now("summaries"))[0]
    assert first.status is JobRunStatus.SUCCEEDED, first.detail
    assert first.detail.startswith("8 of 8 summaries of 2026-09-24 made by")
    again = (await runner.run_now("summaries"))[0]
    assert again.status is JobRunStatus.SKIPPED
    assert again.detail == "every paper of 2026-09-24 has its summaries"


async def test_the_index_check_repairs_an_index_that_is_off(settings, sessions) -> None:
    from search.indexing import check_index

    await import_files(sessions, [FEED])
    async with sessions.begin() as session:
        await session.execute(text("delete from search_docs"))  # lose the index's rows
    runner = Runner([index_check_job(settings)], sessions)
    repaired = (await runner.run_now("index-check"))[0]
    assert repaired.status is JobRunStatus.SUCCEEDED
    assert repaired.detail.startswith("repaired (") and "4 papers reindexed" in repaired.detail
    async with sessions() as session:
        assert (await check_index(session)).ok
    checked = (await runner.run_now("index-check"))[0]
    assert checked.detail.startswith("4 of 4 papers indexed")


def test_the_schedule_follows_the_settings(settings) -> None:
    names = [job.name for job in all_jobs(settings)]
    assert names == ["crawl-rss", "catch-up-oai", "reconcile", "summaries", "index-check"]
    quiet = settings.model_copy(update={"SCHEDULE_RSS": "off", "SCHEDULE_INDEX_CHECK": "off"})
    assert [job.name for job in all_jobs(quiet)] == ["catch-up-oai", "reconcile"]

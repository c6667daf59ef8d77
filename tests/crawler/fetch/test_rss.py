"""Crawling the daily feeds from a local fake of rss.arxiv.org: announcements, conditional
requests, weekends, error feeds, and every paper exactly once whatever the network does."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil

import pytest

from crawler.fetch import BadDocument, CrawlError, FetchError, SourceError, crawl_rss
from models.schema import AnnounceType
from retry import FakeClock
from tests.crawler.conftest import client_for
from tests.fakearxiv import (
    AIOARXIV_QUERY,
    LAYA_QUERY,
    XML_BOMB,
    FakeArxiv,
    Reset,
    Serve,
    Stall,
    Status,
    Truncate,
    empty_feed,
    feed_with_day,
)
from tests.fakearxiv.state import count, crawl_runs, database_state, open_database

LAYA = LAYA_QUERY.split("+")


async def crawl(sessions, arxiv, clock, categories=LAYA, **options):
    async with client_for(clock) as client:
        return await crawl_rss(sessions, client, categories, rss_base=arxiv.url, **options)


async def test_a_feed_stores_its_papers_and_their_announcements(
    sessions, arxiv, clock, database_path
):
    result = await crawl(sessions, arxiv, clock)
    assert [r.arxiv_id for r in result.records] == [
        "2609.26811",
        "2609.26820",
        "2205.06398",
        "2009.13987",
    ]
    assert (result.counts.new, result.counts.updated) == (4, 0)
    state = database_state(database_path)
    assert len(state["papers"]) == 4
    announced = {(a[0], a[1]): (a[2], a[3]) for a in state["announcements"]}
    # The cross-list 2205.06398 (primary stat.ME) is listed in stat.ML, the feed's category.
    assert announced[("2205.06398", "stat.ML")] == ("2026-09-24", AnnounceType.CROSS.value)
    assert announced[("2009.13987", "stat.ML")] == ("2026-09-24", "replace-cross")
    assert len(announced) == 6
    [run] = crawl_runs(database_path)
    assert (run["source"], run["status"], run["n_new"]) == ("rss", "succeeded", 4)
    assert '"etag"' in run["parameters"]


async def test_one_request_serves_every_category(sessions, arxiv, clock):
    await crawl(sessions, arxiv, clock)
    [request] = arxiv.seen()
    assert request.path == f"/rss/{LAYA_QUERY}"


async def test_an_unchanged_feed_costs_a_304_and_changes_nothing(
    sessions, arxiv, clock, database_path
):
    await crawl(sessions, arxiv, clock)
    before = database_state(database_path)
    second = await crawl(sessions, arxiv, clock)
    third = await crawl(sessions, arxiv, clock)
    assert second.not_modified and third.not_modified
    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (0, 0, 0)
    assert database_state(database_path) == before
    etag = arxiv.seen()[0]
    assert [r.headers.get("if-none-match") for r in arxiv.seen()] == [
        None,
        arxiv.feed(LAYA_QUERY, etag, arxiv.feeds).headers["ETag"],
        arxiv.feed(LAYA_QUERY, etag, arxiv.feeds).headers["ETag"],
    ]
    assert [r["status"] for r in crawl_runs(database_path)] == ["succeeded"] * 3


async def test_a_changed_feed_is_fetched_again(sessions, arxiv, clock):
    await crawl(sessions, arxiv, clock)
    arxiv.feeds[LAYA_QUERY] = feed_with_day(arxiv.feeds[LAYA_QUERY], dt.date(2026, 9, 25))
    result = await crawl(sessions, arxiv, clock)
    assert not result.not_modified
    assert result.counts.unchanged == 4
    assert result.counts.announcements == 6  # the same papers, listed on a new day


async def test_force_ignores_the_stored_validators(sessions, arxiv, clock):
    await crawl(sessions, arxiv, clock)
    result = await crawl(sessions, arxiv, clock, conditional=False)
    assert not result.not_modified
    assert "if-none-match" not in arxiv.seen()[1].headers


async def test_a_failed_crawl_does_not_make_the_next_one_conditional(
    sessions, arxiv, clock, database_path
):
    arxiv.inject(Serve(XML_BOMB), path="/rss/")
    with pytest.raises(BadDocument):
        await crawl(sessions, arxiv, clock)
    result = await crawl(sessions, arxiv, clock)
    assert result.counts.new == 4
    assert "if-none-match" not in arxiv.seen()[1].headers


async def test_an_empty_feed_is_a_quiet_day_not_an_error(sessions, arxiv, clock, database_path):
    arxiv.feeds["cs.CL"] = empty_feed("cs.CL")
    result = await crawl(sessions, arxiv, clock, categories=["cs.CL"])
    assert result.empty and result.records == []
    assert crawl_runs(database_path)[0]["status"] == "succeeded"
    assert count(database_path, "papers") == 0


async def test_an_error_feed_stops_the_crawl_with_arxiv_s_message(
    sessions, arxiv, clock, database_path
):
    with pytest.raises(SourceError, match="Bad archive 'astroph'") as info:
        await crawl(sessions, arxiv, clock, categories=["astroph"])
    assert len(arxiv.seen()) == 1  # a 400 is not retried
    [run] = crawl_runs(database_path)
    assert run["id"] == info.value.run_id
    assert run["status"] == "failed"
    assert run["error"].startswith("arXiv feed error for ")
    assert count(database_path, "papers") == 0


async def test_an_xml_bomb_is_refused_and_writes_nothing(sessions, arxiv, clock, database_path):
    arxiv.inject(Serve(XML_BOMB), path="/rss/")
    with pytest.raises(BadDocument, match="entity declarations are not accepted"):
        await crawl(sessions, arxiv, clock)
    assert count(database_path, "papers") == 0
    assert crawl_runs(database_path)[0]["status"] == "failed"


async def test_a_feed_of_many_archives_records_every_listing(sessions, arxiv, clock, database_path):
    result = await crawl(sessions, arxiv, clock, categories=AIOARXIV_QUERY.split("+"))
    assert len(result.records) == 85
    assert result.counts.new == 85
    kinds = {a[3] for a in database_state(database_path)["announcements"]}
    assert {"new", "cross", "replace"} <= kinds
    # One announcement per paper and category of the feed, never twice.
    assert count(database_path, "announcements") == result.counts.announcements


FAULTS = [
    Status(503, retry_after=7),
    Status(429),
    Status(500),
    Reset(),
    Truncate(0.3),
    Stall(2.0),
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, migrated_template):
    """The database after a crawl of the feeds that nothing disturbed."""
    path = tmp_path_factory.mktemp("reference") / "reference.db"
    shutil.copy(migrated_template, path)

    async def fill() -> None:
        with FakeArxiv() as arxiv:
            async with open_database(path) as sessions:
                await crawl(sessions, arxiv, FakeClock(), categories=AIOARXIV_QUERY.split("+"))

    asyncio.run(fill())
    return database_state(path)


@pytest.mark.parametrize("fault", FAULTS, ids=repr)
async def test_a_passing_fault_still_stores_every_paper_once(
    sessions, arxiv, clock, database_path, reference, fault
):
    arxiv.inject(fault, path="/rss/", times=2)
    await crawl(sessions, arxiv, clock, categories=AIOARXIV_QUERY.split("+"))
    assert database_state(database_path) == reference


@pytest.mark.parametrize("fault", FAULTS, ids=repr)
async def test_a_lasting_fault_stops_the_crawl_and_the_next_one_completes(
    sessions, arxiv, clock, database_path, reference, fault
):
    arxiv.inject(fault, path="/rss/", times=None)
    with pytest.raises(FetchError, match="gave up after 5 attempts"):
        await crawl(sessions, arxiv, clock, categories=AIOARXIV_QUERY.split("+"))
    assert count(database_path, "papers") == 0
    arxiv.clear_faults()
    await crawl(sessions, arxiv, clock, categories=AIOARXIV_QUERY.split("+"))
    assert database_state(database_path) == reference
    assert [r["status"] for r in crawl_runs(database_path)] == ["failed", "succeeded"]


async def test_crawl_errors_are_one_line(sessions, arxiv, clock):
    with pytest.raises(CrawlError) as info:
        await crawl(sessions, arxiv, clock, categories=["astroph"])
    assert "\n" not in str(info.value)

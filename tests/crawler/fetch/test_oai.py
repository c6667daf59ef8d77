"""OAI-PMH harvests from a local fake of oaipmh.arxiv.org: both token styles, empty
results, flow control, and harvests that stop (or are killed) and resume to the same
database as one that ran through."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from crawler.fetch import BadDocument, FetchError, SourceError, TruncatedDocument, harvest
from models.schema import CrawlRun, CrawlStatus
from retry import FakeClock
from tests.crawler.conftest import client_for
from tests.fakearxiv import (
    XML_BOMB,
    CutShort,
    FakeArxiv,
    Reset,
    Serve,
    Stall,
    Status,
    Truncate,
)
from tests.fakearxiv.state import count, crawl_runs, database_state, open_database

PAGE = 250  # the fake serves the 1000 recorded records in four pages


@pytest.fixture
def arxiv():
    with FakeArxiv() as server:
        server.oai_page_size = PAGE
        yield server


async def run_harvest(sessions, arxiv, clock, **options):
    options.setdefault("set_spec", None)
    async with client_for(clock) as client:
        return await harvest(sessions, client, oai_base=arxiv.url + "/oai", **options)


def tokens_sent(arxiv) -> list[str | None]:
    return [r.param("resumptionToken") for r in arxiv.seen("/oai")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, migrated_template):
    """The database after a harvest of all 1000 records that nothing disturbed."""
    path = tmp_path_factory.mktemp("reference") / "reference.db"
    shutil.copy(migrated_template, path)

    async def fill() -> None:
        with FakeArxiv() as arxiv:
            async with open_database(path) as sessions:
                await run_harvest(sessions, arxiv, FakeClock())

    asyncio.run(fill())
    state = database_state(path)
    assert len(state["papers"]) == 1000
    return state


@pytest.mark.parametrize("style", ["old", "new"])
async def test_a_harvest_follows_resumption_tokens_to_the_end(
    sessions, arxiv, clock, database_path, style
):
    arxiv.oai_token_style = style
    result = await run_harvest(sessions, arxiv, clock)
    assert (result.pages, result.papers, result.counts.new) == (4, 1000, 1000)
    first, *rest = arxiv.seen("/oai")
    assert first.query == {"verb": "ListRecords", "metadataPrefix": "arXivRaw"}
    assert all(set(r.query) == {"verb", "resumptionToken"} for r in rest)
    if style == "old":
        assert tokens_sent(arxiv)[1:] == ["496549|251", "496549|501", "496549|751"]
        assert result.complete_list_size == 1000
    else:
        assert all("skip%3D" in t for t in tokens_sent(arxiv)[1:])
    assert count(database_path, "papers") == 1000
    [run] = crawl_runs(database_path)
    assert (run["status"], run["n_new"], run["checkpoint"]) == ("succeeded", 1000, "")


async def test_set_and_dates_are_asked_for(sessions, arxiv, clock, database_path):
    result = await run_harvest(
        sessions,
        arxiv,
        clock,
        set_spec="math",
        from_=dt.date(2008, 1, 1),
        until=dt.date(2008, 12, 31),
    )
    first = arxiv.seen("/oai")[0]
    assert first.query == {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "set": "math",
        "from": "2008-01-01",
        "until": "2008-12-31",
    }
    expected = [
        r
        for r in arxiv.oai_records
        if any(s == "math" or s.startswith("math:") for s in r.sets)
        and "2008-01-01" <= r.datestamp <= "2008-12-31"
    ]
    assert 0 < result.papers == len(expected) == count(database_path, "papers")


async def test_no_records_match_is_an_empty_harvest(sessions, arxiv, clock, database_path):
    result = await run_harvest(sessions, arxiv, clock, set_spec="moo")
    assert (result.pages, result.papers) == (0, 0)
    assert crawl_runs(database_path)[0]["status"] == "succeeded"


async def test_503_with_retry_after_is_waited_out(sessions, arxiv, clock, database_path, reference):
    arxiv.inject(Status(503, retry_after=10), path="/oai", skip=1, times=3)
    await run_harvest(sessions, arxiv, clock)
    assert clock.sleeps == [10.0, 10.0, 10.0]
    # The same token, asked again after each 503.
    assert tokens_sent(arxiv)[1:4] == ["496549|251"] * 3
    assert database_state(database_path) == reference


@pytest.mark.parametrize("fault", [Status(429), Reset(), Truncate(0.6), Stall(2.0)], ids=repr)
async def test_passing_faults_lose_and_repeat_nothing(
    sessions, arxiv, clock, database_path, reference, fault
):
    arxiv.inject(fault, path="/oai", skip=2, times=2)
    result = await run_harvest(sessions, arxiv, clock)
    assert result.counts.new == 1000
    assert database_state(database_path) == reference


async def test_a_stopped_harvest_resumes_at_its_checkpoint(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(Status(500), path="/oai", skip=2, times=None)
    with pytest.raises(FetchError, match="HTTP 500") as info:
        await run_harvest(sessions, arxiv, clock)
    run = crawl_runs(database_path)[0]
    assert run["id"] == info.value.run_id
    assert (run["status"], run["n_new"], run["checkpoint"]) == ("failed", 500, "496549|501")
    assert count(database_path, "papers") == 500
    arxiv.clear_faults()
    arxiv.requests.clear()
    result = await run_harvest(sessions, arxiv, clock, resume=True)
    assert result.resumed and result.run_id == run["id"]
    assert tokens_sent(arxiv) == ["496549|501", "496549|751"]  # no page asked twice
    assert database_state(database_path) == reference
    [run] = crawl_runs(database_path)
    assert (run["status"], run["n_new"], run["checkpoint"], run["error"]) == (
        "succeeded",
        1000,
        "",
        None,
    )


async def test_a_page_cut_short_once_is_asked_again_with_the_same_token(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(CutShort(0.4), path="/oai", skip=2)
    result = await run_harvest(sessions, arxiv, clock)
    assert (result.pages, result.papers, result.counts.new) == (4, 1000, 1000)
    assert tokens_sent(arxiv) == [None, "496549|251", "496549|501", "496549|501", "496549|751"]
    assert database_state(database_path) == reference
    [run] = crawl_runs(database_path)
    assert (run["status"], run["n_new"], run["checkpoint"]) == ("succeeded", 1000, "")


async def test_a_page_always_cut_short_stops_after_three_tries_and_resumes(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(CutShort(0.4), path="/oai", skip=2, times=None)
    with pytest.raises(TruncatedDocument, match=r"malformed XML.*asked 3 times") as info:
        await run_harvest(sessions, arxiv, clock)
    assert tokens_sent(arxiv) == [None, "496549|251"] + ["496549|501"] * 3
    # Only whole pages are stored, and the run says where the next one starts.
    [run] = crawl_runs(database_path)
    assert run["id"] == info.value.run_id
    assert (run["status"], run["n_new"], run["checkpoint"]) == ("failed", 500, "496549|501")
    assert "asked 3 times" in run["error"]
    assert count(database_path, "papers") == 500
    arxiv.clear_faults()
    arxiv.requests.clear()
    result = await run_harvest(sessions, arxiv, clock, resume=True)
    assert result.resumed and tokens_sent(arxiv) == ["496549|501", "496549|751"]
    assert database_state(database_path) == reference


async def test_an_xml_bomb_stops_the_harvest_and_resuming_completes(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(Serve(XML_BOMB), path="/oai", skip=1)
    with pytest.raises(BadDocument, match="entity declarations"):
        await run_harvest(sessions, arxiv, clock)
    assert count(database_path, "papers") == 250
    await run_harvest(sessions, arxiv, clock, resume=True)
    assert database_state(database_path) == reference


async def test_resume_only_picks_a_harvest_with_the_same_parameters(
    sessions, arxiv, clock, database_path
):
    arxiv.inject(Status(500), path="/oai", skip=1, times=None)
    with pytest.raises(FetchError):
        await run_harvest(sessions, arxiv, clock, set_spec="physics")
    arxiv.clear_faults()
    result = await run_harvest(sessions, arxiv, clock, set_spec="math", resume=True)
    assert not result.resumed
    assert len(crawl_runs(database_path)) == 2


async def test_a_finished_harvest_is_not_resumed(sessions, arxiv, clock, database_path):
    await run_harvest(sessions, arxiv, clock)
    result = await run_harvest(sessions, arxiv, clock, resume=True)
    assert not result.resumed
    assert result.counts.unchanged == 1000


@pytest.mark.parametrize("style", ["old", "new"])
async def test_an_expired_token_on_resume_says_what_to_do(
    sessions, arxiv, clock, database_path, style
):
    arxiv.oai_token_style = style
    arxiv.inject(Status(500), path="/oai", skip=1, times=None)
    with pytest.raises(FetchError):
        await run_harvest(sessions, arxiv, clock)
    arxiv.clear_faults()
    arxiv.expire_tokens()
    with pytest.raises(SourceError, match=r"badResumptionToken.*harvest again without --resume"):
        await run_harvest(sessions, arxiv, clock, resume=True)
    # Harvesting again from the start stores everything, the first page unchanged.
    result = await run_harvest(sessions, arxiv, clock)
    assert (result.counts.new, result.counts.unchanged) == (750, 250)


async def test_a_cancelled_harvest_is_recorded_as_interrupted_and_resumes(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(Stall(), path="/oai", skip=2)
    async with client_for(clock) as client:
        client.timeout = httpx.Timeout(60.0)
        task = asyncio.create_task(
            harvest(sessions, client, oai_base=arxiv.url + "/oai", set_spec=None)
        )
        await asyncio.to_thread(arxiv.wait_for, lambda r: r.number == 3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    [run] = crawl_runs(database_path)
    assert (run["status"], run["n_new"], run["checkpoint"]) == ("interrupted", 500, "496549|501")
    await run_harvest(sessions, arxiv, clock, resume=True)
    assert database_state(database_path) == reference


async def test_a_harvest_that_stored_its_last_page_resumes_to_nothing(
    sessions, arxiv, clock, database_path
):
    await run_harvest(sessions, arxiv, clock)
    async with sessions.begin() as session:  # as if killed before the run was closed
        await session.execute(update(CrawlRun).values(status=CrawlStatus.RUNNING))
    arxiv.requests.clear()
    result = await run_harvest(sessions, arxiv, clock, resume=True)
    assert result.resumed and arxiv.seen() == []
    assert crawl_runs(database_path)[0]["status"] == "succeeded"


# -- a harvest killed with SIGKILL ------------------------------------------------------


def start_cli(arxiv: FakeArxiv, database: Path, *arguments: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "COOLPAPERS_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "COOLPAPERS_ARXIV_OAI_BASE": arxiv.url + "/oai",
        "COOLPAPERS_MIN_REQUEST_INTERVAL": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "crawl", "oai", *arguments],
        env=env,
        cwd=database.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_harvest_killed_mid_way_resumes_to_the_same_database(tmp_path, migrated_template):
    interrupted, straight = tmp_path / "interrupted.db", tmp_path / "straight.db"
    shutil.copy(migrated_template, interrupted)
    shutil.copy(migrated_template, straight)
    with FakeArxiv() as arxiv:
        arxiv.oai_page_size = PAGE
        arxiv.oai_token_style = "new"
        arxiv.inject(Stall(), path="/oai", skip=2)  # page 3 never comes
        process = start_cli(arxiv, interrupted, "--set", "physics")
        try:
            arxiv.wait_for(lambda r: r.number == 3, timeout=60)
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        [run] = crawl_runs(interrupted)
        assert run["status"] == "running"  # nobody was left to say otherwise
        stored = count(interrupted, "papers")
        assert stored == run["n_new"] > 0
        assert "skip%3D" in run["checkpoint"]

        resumed = start_cli(arxiv, interrupted, "--set", "physics", "--resume")
        out, err = resumed.communicate(timeout=120)
        assert resumed.returncode == 0, err
        assert "resumed" in out
        asked = arxiv.seen("/oai")[3:]
        assert asked[0].param("resumptionToken") == run["checkpoint"]

        async def straight_harvest():
            async with open_database(straight) as sessions:
                await run_harvest(sessions, arxiv, FakeClock(), set_spec="physics")

        asyncio.run(straight_harvest())
    assert database_state(interrupted) == database_state(straight)
    [run] = crawl_runs(interrupted)
    assert run["status"] == "succeeded"
    assert run["n_new"] == count(straight, "papers")

"""Crawl runs whose process is gone: a running crawl beats on its clock, and a run left
"running" by a killed process shows as interrupted wherever runs are listed, and when the
next run starts, while staying resumable."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from starlette.testclient import TestClient

from crawler.runs import beat, recorded_run
from models.liveness import interrupt_dead_runs, this_host
from models.reports import recent_crawl_runs
from models.schema import CrawlRun, CrawlStatus
from models.stats import archive_stats
from tests.fakearxiv import FakeArxiv, Stall
from tests.fakearxiv.state import count, crawl_runs
from tests.web.test_admin import TOKEN, make_app

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


class SteppedClock:
    """A clock whose sleeps end only when the test lets them (``step``)."""

    def __init__(self, start: dt.datetime) -> None:
        self.moment = start
        self.asked: asyncio.Queue[float] = asyncio.Queue()
        self.released: asyncio.Queue[None] = asyncio.Queue()

    def now(self) -> dt.datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.asked.put_nowait(seconds)
        await self.released.get()

    async def step(self, seconds: float) -> None:
        """Move on ``seconds`` and end the pending sleep; return once the sleeper has done
        its work and sleeps again."""
        self.moment += dt.timedelta(seconds=seconds)
        self.released.put_nowait(None)
        await asyncio.wait_for(self.asked.get(), 10)


async def stored_run(sessions, run_id: int) -> CrawlRun:
    async with sessions() as session:
        return await session.get(CrawlRun, run_id)


async def add_run(sessions, **columns) -> int:
    async with sessions.begin() as session:
        run = CrawlRun(source="oai", parameters={}, status=CrawlStatus.RUNNING, **columns)
        session.add(run)
        await session.flush()
        return run.id


async def test_a_running_crawl_beats_on_its_clock(sessions) -> None:
    clock = SteppedClock(T0)
    async with recorded_run(sessions, "api", {}, clock=clock, heartbeat_interval=30) as run:
        assert await asyncio.wait_for(clock.asked.get(), 10) == 30
        stored = await stored_run(sessions, run.run_id)
        assert (stored.host, stored.pid, stored.heartbeat_at) == (this_host(), os.getpid(), T0)
        await clock.step(30)
        assert (await stored_run(sessions, run.run_id)).heartbeat_at == T0 + dt.timedelta(
            seconds=30
        )
        await clock.step(30)
        assert (await stored_run(sessions, run.run_id)).heartbeat_at == T0 + dt.timedelta(
            seconds=60
        )
        clock.moment += dt.timedelta(seconds=7)
        await run.commit([])  # a page moves the heartbeat too
        assert (await stored_run(sessions, run.run_id)).heartbeat_at == T0 + dt.timedelta(
            seconds=67
        )
    stored = await stored_run(sessions, run.run_id)
    assert stored.status is CrawlStatus.SUCCEEDED


async def test_a_run_without_a_recent_heartbeat_is_interrupted(sessions) -> None:
    stale = await add_run(
        sessions, host="elsewhere", pid=1234, heartbeat_at=T0, started_at=T0 - dt.timedelta(hours=1)
    )
    fresh = await add_run(
        sessions, host="elsewhere", pid=1235, heartbeat_at=T0 + dt.timedelta(minutes=4, seconds=30)
    )
    async with sessions() as session:
        marked = await interrupt_dead_runs(session, now=T0 + dt.timedelta(minutes=6))
    assert marked == [stale]
    gone = await stored_run(sessions, stale)
    assert (gone.status, gone.finished_at) == (CrawlStatus.INTERRUPTED, T0)
    assert gone.error == "interrupted: no heartbeat of elsewhere:1234 for 360 s"
    assert (await stored_run(sessions, fresh)).status is CrawlStatus.RUNNING


async def test_a_run_whose_process_is_gone_on_this_host_is_interrupted_at_once(sessions) -> None:
    dead = await add_run(sessions, host=this_host(), pid=4242, heartbeat_at=T0)
    living = await add_run(sessions, host=this_host(), pid=4343, heartbeat_at=T0)
    async with sessions() as session:
        marked = await interrupt_dead_runs(session, now=T0, alive=lambda pid: pid == 4343)
    assert marked == [dead]
    assert (await stored_run(sessions, dead)).error == (
        f"interrupted: its process {this_host()}:4242 is gone"
    )
    assert (await stored_run(sessions, living)).status is CrawlStatus.RUNNING


async def test_runs_are_settled_when_listed_and_when_a_run_starts(sessions) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    first = await add_run(sessions, host="elsewhere", pid=1, heartbeat_at=long_ago)
    async with sessions() as session:
        [listed] = await recent_crawl_runs(session)
        assert (listed.id, listed.status) == (first, CrawlStatus.INTERRUPTED)
    second = await add_run(sessions, host="elsewhere", pid=2, heartbeat_at=long_ago)
    async with sessions() as session:
        assert (await archive_stats(session)).last_crawl.status is CrawlStatus.INTERRUPTED
    third = await add_run(sessions, host="elsewhere", pid=3, heartbeat_at=long_ago)
    async with recorded_run(sessions, "api", {}):
        assert (await stored_run(sessions, third)).status is CrawlStatus.INTERRUPTED
    assert {(await stored_run(sessions, i)).status for i in (first, second)} == {
        CrawlStatus.INTERRUPTED
    }


async def test_a_live_run_taken_for_dead_runs_again_at_its_next_beat(sessions) -> None:
    clock = SteppedClock(T0)
    async with recorded_run(sessions, "api", {}, clock=clock) as run:
        await asyncio.wait_for(clock.asked.get(), 10)
        async with sessions() as session:  # as another host sees it after a long stall
            assert await interrupt_dead_runs(session, now=T0 + dt.timedelta(hours=1)) == [
                run.run_id
            ]
        await clock.step(30)
        stored = await stored_run(sessions, run.run_id)
        assert (stored.status, stored.error, stored.finished_at) == (
            CrawlStatus.RUNNING,
            None,
            None,
        )
    # A beat never takes over a run reopened by another process.
    async with sessions.begin() as session:
        stored = await session.get(CrawlRun, run.run_id)
        stored.status, stored.pid = CrawlStatus.RUNNING, os.getpid() + 1
    assert not await beat(sessions, run.run_id, T0)


# -- a crawl killed with SIGKILL ------------------------------------------------------------


def cli(*arguments: str) -> list[str]:
    return [sys.executable, "-c", "from cli.main import main; main()", *arguments]


def cli_env(database: Path, arxiv: FakeArxiv) -> dict[str, str]:
    return {
        **os.environ,
        "COOLPAPERS_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "COOLPAPERS_ARXIV_OAI_BASE": arxiv.url + "/oai",
        "COOLPAPERS_MIN_REQUEST_INTERVAL": "0",
    }


def test_a_killed_crawl_shows_as_interrupted_in_stats_and_on_the_admin_page(
    database_path, settings
) -> None:
    with FakeArxiv() as arxiv:
        arxiv.oai_page_size = 250
        arxiv.inject(Stall(), path="/oai", skip=1)  # the second page never comes
        env = cli_env(database_path, arxiv)
        process = subprocess.Popen(
            cli("crawl", "oai"),
            env=env,
            cwd=database_path.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            arxiv.wait_for(lambda r: r.number == 2, timeout=60)
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        [run] = crawl_runs(database_path)
        assert (run["status"], run["pid"], run["host"]) == ("running", process.pid, this_host())
        assert run["n_new"] == count(database_path, "papers") == 250

        shown = subprocess.run(
            cli("stats", "--json", "--runs", "5"),
            env=env,
            cwd=database_path.parent,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shown.returncode == 0, shown.stderr
        report = json.loads(shown.stdout)
        assert report["last_crawl"]["status"] == "interrupted"
        [listed] = report["crawl_runs"]
        assert (listed["id"], listed["status"]) == (run["id"], "interrupted")
        assert f"its process {this_host()}:{process.pid} is gone" in listed["error"]
        [run] = crawl_runs(database_path)
        assert (run["status"], run["n_new"], run["checkpoint"]) == (
            "interrupted",
            250,
            "496549|251",
        )

    with TestClient(make_app(settings)) as client:
        page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert f'data-run="{run["id"]}" data-source="oai" data-status="interrupted"' in page.text

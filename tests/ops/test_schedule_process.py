"""``coolpapers schedule`` as a process: SIGTERM in the middle of a crawl ends it cleanly,
and a second scheduler takes over when the first is killed, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.fakearxiv import LAYA_QUERY, Stall
from tests.ops.arxiv import CalendarArxiv
from tests.ops.test_week_fakearxiv import CALENDAR
from tests.pg import databases

COMMAND = Path(sys.executable).parent / "coolpapers"
FEED_PATH = "/rss/" + LAYA_QUERY

pytestmark = pytest.mark.timeout(120)


class WallClock:
    def now(self):
        import datetime as dt

        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - not slept on
        raise AssertionError


def environment(database_url: str, arxiv, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "COOLPAPERS_DATABASE_URL": database_url,
        "COOLPAPERS_ARXIV_RSS_BASE": arxiv.url,
        "COOLPAPERS_ARXIV_API_BASE": arxiv.url + "/api",
        "COOLPAPERS_ARXIV_OAI_BASE": arxiv.url + "/oai",
        "COOLPAPERS_CATEGORIES": LAYA_QUERY.replace("+", ","),
        "COOLPAPERS_MIN_REQUEST_INTERVAL": "0",
        # The feed crawl stays a job (``--run-now`` starts it) whose slot is never near: on
        # the real schedule, a scheduler that takes the lease within four hours of an
        # evening's announcement catches that crawl up, and the rows below would vary with
        # the hour the suite runs.
        "COOLPAPERS_SCHEDULE_RSS": "0 0 29 2 *",
        "COOLPAPERS_SCHEDULE_OAI": "off",
        "COOLPAPERS_SCHEDULE_INDEX_CHECK": "off",
        **extra,
    }


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(COMMAND), "schedule", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Lines:
    """The lines a process writes on stderr, read as they come (in a thread)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        for line in process.stderr:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)


def rows(database_url: str, query: str) -> list[tuple]:
    return databases.query(database_url, query)


def wait_until(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_sigterm_during_a_crawl_exits_cleanly_and_leaves_nothing_running(
    database_url: str,
) -> None:
    with CalendarArxiv(WallClock(), CALENDAR) as arxiv:
        arxiv.inject(Stall(None), path=FEED_PATH)  # the feed never answers
        env = environment(database_url, arxiv, COOLPAPERS_SCHEDULE_STOP_GRACE="1")
        process = start(env, "--run-now", "crawl-rss")
        try:
            arxiv.wait_for(lambda r: r.path == FEED_PATH, timeout=60)
            assert rows(database_url, "select status from crawl_runs") == [("running",)]
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    assert "event=signal signal=SIGTERM" in err
    assert "job=crawl-rss" in err and "outcome=interrupted" in err
    assert rows(database_url, "select * from leases") == []
    assert rows(database_url, "select job, trigger, status from job_runs") == [
        ("crawl-rss", "manual", "interrupted")
    ]
    assert rows(database_url, "select source, status from crawl_runs") == [("rss", "interrupted")]


def test_a_killed_schedulers_lease_expires_and_the_standby_takes_over(
    database_url: str,
) -> None:
    with CalendarArxiv(WallClock(), CALENDAR) as arxiv:
        arxiv.inject(Stall(None), path=FEED_PATH, times=1)
        env = environment(database_url, arxiv, COOLPAPERS_SCHEDULE_LEASE_TTL="2")
        first = start(env, "--run-now", "crawl-rss")
        second = None
        try:
            arxiv.wait_for(lambda r: r.path == FEED_PATH, timeout=60)
            holder = rows(database_url, "select holder from leases where name='scheduler'")
            second = start(env)
            log = Lines(second)
            # The first holds the lease: the second stands by.
            wait_until(lambda: "event=standing-by" in log.text(), timeout=60)
            assert rows(database_url, "select holder from leases where name='scheduler'") == (
                holder
            )
            assert "event=scheduler-leading" not in log.text()
            first.kill()
            first.wait(timeout=30)
            wait_until(
                lambda: (
                    rows(database_url, "select holder from leases where name='scheduler'")
                    not in ([], holder)
                ),
                timeout=30,
            )
            # The new holder closed what the killed one left open.
            wait_until(
                lambda: rows(database_url, "select status from job_runs") == [("interrupted",)]
            )
            assert rows(database_url, "select status from crawl_runs") == [("interrupted",)]
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)
            log.thread.join(timeout=10)
            err = log.text()
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.kill()
    assert second.returncode == 0
    assert "event=standing-by" in err and "event=scheduler-leading" in err, err
    assert rows(database_url, "select * from leases") == []

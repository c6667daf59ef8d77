"""The stored data version: ingests and admin edits move it, and the page caches of every
instance over the same database follow it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli.main import cli
from crawler.ingest import ingest
from models.data_version import read_data_version
from tests.web.data import DAY3, MATH_ID, paper
from web.app import create_app
from web.cache import PageCache

TITLE = "Attention in"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_an_ingest_moves_the_version_only_when_it_changed_something(sessions):
    record = paper("2411.10099", "A late arrival", ("cs.AI",), DAY3)
    async with sessions() as session:
        before = await read_data_version(session)
    async with sessions.begin() as session:
        await ingest(session, [record])
    async with sessions() as session:
        after_new = await read_data_version(session)
    async with sessions.begin() as session:
        await ingest(session, [record])
    async with sessions() as session:
        after_same = await read_data_version(session)
    assert after_new == before + 1
    assert after_same == after_new


def test_hiding_a_paper_shows_on_two_instances_within_the_check_interval(filled_settings):
    clocks = [FakeClock(), FakeClock()]
    apps = [
        create_app(filled_settings, page_cache=PageCache(clock=clock, check_interval=1.0))
        for clock in clocks
    ]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        clients = (first, second)
        for client in clients:
            assert TITLE in client.get("/arxiv/cs.AI").text
        for clock in clocks:
            clock.now += 0.5  # within the interval the cache is not checked
        hidden = CliRunner().invoke(cli, ["paper", "hide", MATH_ID])
        assert hidden.exit_code == 0, hidden.output
        for client in clients:
            assert TITLE in client.get("/arxiv/cs.AI").text  # still the kept page
        for clock in clocks:
            clock.now += 1.0
        for client in clients:
            assert TITLE not in client.get("/arxiv/cs.AI").text
        assert [app.state.page_cache.misses for app in apps] == [2, 2]


@pytest.mark.sqlite_only
async def test_the_page_cache_checks_the_version_without_a_call_to_the_driver_thread(
    sessions, monkeypatch
):
    """The version check is a plain read on the event loop's thread: a request that makes it
    under load does not wait for a turn of the event loop per call to aiosqlite's thread,
    behind every other request's render (it once made one request a second wait most of a
    second)."""
    import aiosqlite

    calls: list[object] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        calls.append(fn)
        return await original(self, fn, *args, **kwargs)

    clock = FakeClock()
    cache = PageCache(check_interval=1.0, clock=clock)
    await cache._check_version(sessions)  # the pool's connection opened
    async with sessions.begin() as session:
        await ingest(session, [paper("2411.10098", "A moved version", ("cs.AI",), DAY3)])
    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    before = cache._version
    clock.now = 2.0
    await cache._check_version(sessions)
    assert cache._version != before  # the check read the moved version
    assert calls == []

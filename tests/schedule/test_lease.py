"""Leases in the database: one holder at a time, renewals, release, expiry, races."""

from __future__ import annotations

import asyncio
import datetime as dt

from models.db import create_engine, session_factory
from schedule import lease

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(seconds=60)


async def test_one_holder_at_a_time(sessions) -> None:
    assert await lease.acquire(sessions, "scheduler", "a", TTL, T0)
    assert not await lease.acquire(sessions, "scheduler", "b", TTL, T0 + dt.timedelta(seconds=30))
    assert await lease.acquire(sessions, "scheduler", "a", TTL, T0 + dt.timedelta(seconds=30))
    async with sessions() as session:
        held = await lease.holder_of(session, "scheduler", T0)
    assert held is not None and held.holder == "a"


async def test_a_silent_holder_loses_the_lease_when_it_runs_out(sessions) -> None:
    assert await lease.acquire(sessions, "scheduler", "a", TTL, T0)
    late = T0 + TTL - dt.timedelta(seconds=1)
    assert not await lease.acquire(sessions, "scheduler", "b", TTL, late)
    assert await lease.acquire(sessions, "scheduler", "b", TTL, T0 + TTL)
    # The old holder finds out when it tries to renew.
    assert not await lease.renew(sessions, "scheduler", "a", TTL, T0 + TTL)
    async with sessions() as session:
        assert (await lease.holder_of(session, "scheduler", T0 + TTL)).holder == "b"


async def test_renewal_keeps_the_lease(sessions) -> None:
    assert await lease.acquire(sessions, "job:crawl-rss", "a", TTL, T0)
    for step in range(1, 5):
        assert await lease.renew(sessions, "job:crawl-rss", "a", TTL, T0 + step * TTL / 2)
    still = T0 + 2.5 * TTL
    assert not await lease.acquire(sessions, "job:crawl-rss", "b", TTL, still)


async def test_release_lets_another_in_and_ignores_strangers(sessions) -> None:
    assert await lease.acquire(sessions, "scheduler", "a", TTL, T0)
    await lease.release(sessions, "scheduler", "b")  # not b's to release
    assert not await lease.acquire(sessions, "scheduler", "b", TTL, T0)
    await lease.release(sessions, "scheduler", "a")
    assert await lease.acquire(sessions, "scheduler", "b", TTL, T0)
    async with sessions() as session:
        names = [(x.name, x.holder) for x in await lease.leases(session)]
    assert names == [("scheduler", "b")]


async def test_racing_processes_get_the_lease_once(settings) -> None:
    engines = [create_engine(settings=settings) for _ in range(6)]
    try:
        factories = [session_factory(e) for e in engines]
        results = await asyncio.gather(
            *(
                lease.acquire(f, "scheduler", f"holder-{i}", TTL, T0)
                for i, f in enumerate(factories)
            )
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(results) == [False] * 5 + [True]


def test_holders_are_unique() -> None:
    assert lease.new_holder() != lease.new_holder()

"""Stopping the site's work in the background: cancelled, waited for, never forever."""

from __future__ import annotations

import asyncio
import logging

from web.background import stop_tasks


async def test_tasks_are_cancelled_and_waited_for():
    cleaned: list[str] = []

    async def work(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # its clean-up takes a turn of the loop
            cleaned.append(name)

    tasks = [asyncio.create_task(work(name)) for name in "ab"]
    await asyncio.sleep(0)
    await stop_tasks(tasks, 5.0, what="jobs")
    assert sorted(cleaned) == ["a", "b"]
    assert all(task.cancelled() for task in tasks)


async def test_a_task_that_will_not_stop_is_left_after_the_grace(caplog):
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="coolpapers.web"):
        await stop_tasks([task], 0.01, what="jobs")
    assert not task.done()
    assert "1 jobs still running after 0 s of shutdown" in caplog.text
    release.set()
    await task


async def test_nothing_to_stop():
    done = asyncio.create_task(asyncio.sleep(0))
    await done
    await stop_tasks([done], 5.0, what="jobs")
    await stop_tasks([], 5.0, what="jobs")

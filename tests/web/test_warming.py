"""``web.warming``: the newest day's papers read and their math rendered before their lists."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import queries
from models.data_version import bump_data_version
from models.db import create_engine, session_factory
from models.schema import Paper
from models.settings import Settings
from tests.web.data import CY_ID, MANY_AUTHORS_ID, MATH_ID, REPLACED_ID, XSS_ID
from web import templating, tex, warming
from web.app import create_app
from web.i18n import LANGUAGES
from web.warming import Warmed, keep_warm, warm_newest_day

DAY3_IDS = {MATH_ID, "2411.10002", CY_ID, XSS_ID, MANY_AUTHORS_ID, REPLACED_ID}


@pytest.fixture(autouse=True)
def forgotten() -> Iterator[None]:
    """Each test starts with nothing kept by the process (and leaves nothing behind)."""

    def forget() -> None:
        templating._entry_cache.clear()
        queries._kept_views.clear()
        tex._parts.cache_clear()
        tex.tex_to_mathml.cache_clear()

    forget()
    yield
    forget()


def with_sessions(settings: Settings, work):
    async def main():
        engine = create_engine(settings=settings)
        try:
            return await work(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def rendered_before(text: str) -> bool:
    """Whether ``text`` was rendered before (without a highlighter) by this process."""
    misses = tex._parts.cache_info().misses
    tex.render_text(text)
    return tex._parts.cache_info().misses == misses


def test_the_newest_days_papers_are_read_and_their_math_rendered(filled_settings) -> None:
    warmed = with_sessions(filled_settings, warm_newest_day)
    assert warmed.papers == len(DAY3_IDS)
    assert set(queries._kept_views) == DAY3_IDS  # not the earlier days' papers
    assert tex.tex_to_mathml.cache_info().currsize >= 2  # the title's and abstract's math
    assert rendered_before(r"Attention in $O(n \log n)$ time")
    assert not rendered_before("Yesterday's paper on search")


def test_the_lists_of_the_newest_day_find_their_entries_written(filled_settings) -> None:
    from starlette.testclient import TestClient

    lists = [(path, lang) for path in ("/arxiv/cs.AI", "/arxiv/cs.LG") for lang in LANGUAGES]
    with TestClient(create_app(filled_settings)) as client:

        def read(path: str, lang: str) -> str:
            return client.get(path, headers={"accept-language": lang}).text

        cold = {(path, lang): read(path, lang) for path, lang in lists}
        templating._entry_cache.clear()
        queries._kept_views.clear()
        warmed = client.portal.call(warm_newest_day, client.app.state.sessions)
        kept = dict(templating._entry_cache)
        assert {key[0] for key in kept} == DAY3_IDS
        assert {key[5] for key in kept} == set(LANGUAGES)
        assert warmed.entries >= len(kept)  # a paper of two lists is new in both: kept once
        for (path, lang), html in cold.items():
            assert read(path, lang) == html
        assert templating._entry_cache == kept  # nothing written anew, nothing else kept


def test_hidden_papers_are_not_warmed_and_most_bounds_the_papers(filled_settings) -> None:
    async def hide(sessions: async_sessionmaker[AsyncSession]) -> None:
        async with sessions.begin() as session:
            await session.execute(update(Paper).where(Paper.id == XSS_ID).values(hidden=True))

    with_sessions(filled_settings, hide)
    warmed = with_sessions(filled_settings, lambda sessions: warm_newest_day(sessions, most=3))
    assert warmed.papers == 3 and 0 < warmed.entries <= 6 * len(LANGUAGES)
    assert XSS_ID not in queries._kept_views
    assert XSS_ID not in {key[0] for key in templating._entry_cache}

    async def newest(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
        async with sessions() as session:
            return list(await queries.newest_day_papers(session, 3))

    assert with_sessions(filled_settings, newest) == sorted(DAY3_IDS - {XSS_ID}, reverse=True)[:3]


def test_requests_are_served_between_two_chunks(filled_settings) -> None:
    seen: list[int] = []

    async def work(sessions: async_sessionmaker[AsyncSession]) -> Warmed:
        done = asyncio.Event()

        async def reader() -> None:  # requests coming while the warm-up runs
            while not done.is_set():
                seen.append(len(queries._kept_views))
                await asyncio.sleep(0)

        task = asyncio.create_task(reader())
        warmed = await warm_newest_day(sessions, chunk=2)
        done.set()
        await task
        return warmed

    warmed = with_sessions(filled_settings, work)
    assert any(0 < kept < warmed.papers for kept in seen)


class Stop(Exception):
    pass


def test_the_newest_day_is_warmed_again_when_the_data_moves(filled_settings, monkeypatch):
    runs: list[int] = []
    pauses: list[float] = []

    async def counted(sessions: async_sessionmaker[AsyncSession]) -> Warmed:
        runs.append(len(pauses))
        if len(runs) == 2:
            raise RuntimeError("the database went away")  # logged, served cold meanwhile
        return Warmed(0, 0, 0.0)

    monkeypatch.setattr(warming, "warm_newest_day", counted)

    async def work(sessions: async_sessionmaker[AsyncSession]) -> None:
        async def pause(seconds: float) -> None:  # the clock of the loop, faked
            pauses.append(seconds)
            if len(pauses) in (2, 4):  # an import between two looks at the data version
                async with sessions.begin() as session:
                    await bump_data_version(session)
            if len(pauses) == 6:
                raise Stop

        with pytest.raises(Stop):
            await keep_warm(sessions, interval=7.0, pause=pause)

    with_sessions(filled_settings, work)
    assert pauses == [7.0] * 6
    # At start, after each move of the data version, and not again after a failure.
    assert runs == [0, 2, 4]


def test_the_served_site_keeps_the_newest_day_warm_while_it_runs(settings, monkeypatch):
    import gc

    from starlette.testclient import TestClient

    from cli.serve import freeze_after_startup, site

    started: list[object] = []
    stopped: list[bool] = []

    async def kept_warm(sessions: async_sessionmaker[AsyncSession]) -> None:
        started.append(sessions)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.append(True)
            raise

    monkeypatch.setattr(warming, "keep_warm", kept_warm)
    app = freeze_after_startup(site(settings))
    try:
        with TestClient(app) as client:

            async def begun() -> None:  # once the index is read and the vectors built
                while not started:
                    await asyncio.sleep(0.01)

            client.portal.call(asyncio.wait_for, begun(), 30)
            assert started == [client.app.state.sessions] and not stopped
        assert stopped == [True]
    finally:
        gc.unfreeze()

"""``search.load_index``: a served process reads the index's per-paper arrays once started,
so that its first search does not."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.testclient import TestClient

import search
from cli.serve import freeze_after_startup, site
from models.settings import Settings
from search import loaded
from search.schema import DOCS_TABLE


async def indexed_papers(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return (await session.execute(text(f"SELECT count(*) FROM {DOCS_TABLE}"))).scalar_one()


async def test_loading_the_index_reads_every_papers_length_and_day(
    sample_sessions: async_sessionmaker[AsyncSession],
) -> None:
    loaded._loaded.clear()
    papers = await indexed_papers(sample_sessions)
    assert papers > 100
    async with sample_sessions() as session:
        await search.load_index(session)
    (index,) = loaded._loaded.values()
    assert index.count == papers
    assert int(index.alive.sum()) == papers


def test_the_served_site_loads_the_index_once_started(sample_settings: Settings) -> None:
    import gc

    loaded._loaded.clear()
    try:
        app = freeze_after_startup(site(sample_settings))
        with TestClient(app) as client:

            async def loading_done() -> None:
                await app.state.index_loading

            client.portal.call(loading_done)  # no search asked: the start-up loaded it
            (index,) = loaded._loaded.values()
            assert index.count > 100
    finally:
        gc.unfreeze()

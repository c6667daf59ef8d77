"""Fixtures of the search tests: the bundled sample archive, imported and indexed once."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import search
from crawler.imports import import_files
from crawler.ingest import on_papers_changed
from crawler.sample import sample_files
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.conftest import sqlite_url


async def _import_sample(url: str) -> None:
    engine = create_engine(url, settings=Settings(DATABASE_URL=url))
    try:
        await import_files(session_factory(engine), sample_files())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sample_template(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample archive imported with the search index installed, made once."""
    search.install(on_papers_changed)
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    shutil.copy(migrated_template, path)
    asyncio.run(_import_sample(sqlite_url(path)))
    return path


@pytest.fixture
def sample_settings(
    sample_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    path = tmp_path / "sample.db"
    shutil.copy(sample_template, path)
    url = sqlite_url(path)
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", url)
    return Settings(DATABASE_URL=url, MIN_REQUEST_INTERVAL=0.0)


@pytest.fixture
async def sample_sessions(
    sample_settings: Settings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    search.install(on_papers_changed)
    engine = create_engine(settings=sample_settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()

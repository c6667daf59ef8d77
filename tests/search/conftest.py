"""Fixtures of the search tests: the bundled sample archive, imported and indexed once."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.sample import sample_files
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.conftest import sqlite_url
from tests.indexed import import_files
from tests.pg import databases


async def _import_sample(url: str) -> None:
    engine = create_engine(url, settings=Settings(DATABASE_URL=url))
    try:
        await import_files(session_factory(engine), sample_files())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sample_template(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample archive imported with the search index installed, made once."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    shutil.copy(migrated_template, path)
    asyncio.run(_import_sample(sqlite_url(path)))
    return path


@pytest.fixture(scope="session")
def postgres_sample_template(postgres_template: str) -> Iterator[str]:
    """The same on PostgreSQL: a database name."""
    server = databases.server_url()
    assert server
    name = databases.new_name("sample")
    asyncio.run(_import_sample(databases.create(server, name, postgres_template)))
    yield name
    databases.drop(server, name)


@pytest.fixture
def sample_settings(
    db_backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    if db_backend == "postgresql":
        copy = request.getfixturevalue("postgres_copy")
        url = copy(request.getfixturevalue("postgres_sample_template"))
    else:
        path = tmp_path / "sample.db"
        shutil.copy(request.getfixturevalue("sample_template"), path)
        url = sqlite_url(path)
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", url)
    return Settings(DATABASE_URL=url, MIN_REQUEST_INTERVAL=0.0)


@pytest.fixture
async def sample_sessions(
    sample_settings: Settings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings=sample_settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()

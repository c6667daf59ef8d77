"""Fixtures shared by the whole suite: a migrated database per test, settings, sessions."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cli.db import upgrade_database
from models.db import create_engine, session_factory
from models.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the latest migration, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_database(sqlite_url(path))
    return path


@pytest.fixture
def database_path(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "coolpapers.db"
    shutil.copy(migrated_template, path)
    return path


@pytest.fixture
def settings(database_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = sqlite_url(database_path)
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", url)
    # No test reaches the real arXiv: those that fetch papers on demand say so.
    return Settings(DATABASE_URL=url, MIN_REQUEST_INTERVAL=0.0, FETCH_ON_DEMAND=False)


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings=settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def fixture_path() -> Iterator[Path]:
    yield FIXTURES

"""The migrations give the models' schema and the search index's tables on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from cli.db import alembic_config, upgrade_database
from models.schema import Base, is_managed_table
from tests.pg import databases

SEARCH_TABLES = {"search_docs", "search_deleted", "search_segments", "search_postings"}


@pytest.fixture
def empty_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database (no migration applied) on this test's backend."""
    if db_backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    server = databases.server_url()
    assert server
    name = databases.new_name("empty")
    yield databases.create(server, name)
    databases.drop(server, name)


def _sync_url(url: str) -> str:
    parsed = make_url(url)
    driver = "postgresql+psycopg" if parsed.get_backend_name() == "postgresql" else "sqlite"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def test_upgrade_head_matches_the_models_and_makes_the_index(empty_url: str) -> None:
    upgrade_database(empty_url)
    engine = create_engine(_sync_url(empty_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_name": lambda name, type_, _: (
                        type_ != "table" or is_managed_table(name)
                    )
                },
            )
            assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(connection).get_table_names())
            assert SEARCH_TABLES | {"search_meta"} <= tables
            [index_id] = connection.execute(
                text("SELECT value FROM search_meta WHERE name = 'index_id'")
            ).scalars()
            assert len(index_id) == 16
    finally:
        engine.dispose()


def test_down_to_nothing_and_up_again(empty_url: str) -> None:
    upgrade_database(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    engine = create_engine(_sync_url(empty_url))
    try:
        with engine.connect() as connection:
            assert not SEARCH_TABLES & set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    upgrade_database(empty_url)

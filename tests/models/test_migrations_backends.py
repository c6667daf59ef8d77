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


def _foreign_keys(connection, table: str) -> set[tuple[str, str]]:
    return {
        (key["constrained_columns"][0], key["referred_table"])
        for key in inspect(connection).get_foreign_keys(table)
    }


def test_the_links_lose_their_dictionaries_foreign_keys_and_keep_their_rows(
    empty_url: str,
) -> None:
    # 0013: the links to the authors and categories carry no foreign key; their rows stay,
    # and going back restores the keys.
    config = alembic_config(empty_url)
    command.upgrade(config, "0012")
    engine = create_engine(_sync_url(empty_url))
    rows = {
        "paper_authors": "SELECT paper_id, position, author_id FROM paper_authors",
        "paper_categories": "SELECT paper_id, category FROM paper_categories",
        "announcements": "SELECT paper_id, category FROM announcements",
    }
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO categories (code) VALUES ('cs.CL')",
                "INSERT INTO authors (id, name) VALUES (5, 'Ada Lovelace')",
                "INSERT INTO papers (id, version, title, abstract, primary_category, hidden,"
                " withdrawn, modified_at, created_at) VALUES ('2401.00001', 1, 't', 'a',"
                " 'cs.CL', false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                "INSERT INTO paper_authors (paper_id, position, author_id)"
                " VALUES ('2401.00001', 0, 5)",
                "INSERT INTO paper_categories (paper_id, category, position, is_primary)"
                " VALUES ('2401.00001', 'cs.CL', 0, true)",
                "INSERT INTO announcements (paper_id, category, announced_on, type)"
                " VALUES ('2401.00001', 'cs.CL', '2024-01-02', 'new')",
            ):
                connection.execute(text(statement))
        with engine.connect() as connection:
            before = {table: connection.execute(text(q)).all() for table, q in rows.items()}
            assert ("author_id", "authors") in _foreign_keys(connection, "paper_authors")
        upgrade_database(empty_url)
        with engine.connect() as connection:
            assert {t: connection.execute(text(q)).all() for t, q in rows.items()} == before
            assert _foreign_keys(connection, "paper_authors") == {("paper_id", "papers")}
            assert _foreign_keys(connection, "paper_categories") == {("paper_id", "papers")}
            assert ("category", "categories") not in _foreign_keys(connection, "announcements")
            assert ("paper_id", "papers") in _foreign_keys(connection, "announcements")
        command.downgrade(config, "0012")
        with engine.connect() as connection:
            assert {t: connection.execute(text(q)).all() for t, q in rows.items()} == before
            assert ("author_id", "authors") in _foreign_keys(connection, "paper_authors")
            assert ("category", "categories") in _foreign_keys(connection, "paper_categories")
            assert ("category", "categories") in _foreign_keys(connection, "announcements")
    finally:
        engine.dispose()

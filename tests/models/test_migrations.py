"""The migrations give exactly the models' schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from cli.db import upgrade_database
from models.schema import Base, is_managed_table


def test_upgrade_head_on_an_empty_database_matches_the_models(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    upgrade_database(f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, type_, _: type_ != "table" or is_managed_table(name)
            },
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_creates_every_table(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    upgrade_database(f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as connection:
        tables = {r[0] for r in connection.execute("select name from sqlite_master")}
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.db'}"
    upgrade_database(url)
    upgrade_database(url)

"""The migrations give exactly the models' schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from cli.db import alembic_config, upgrade_database
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


def _schema_and_version(path: Path) -> tuple[list[tuple[str, str]], list[tuple[str]]]:
    with sqlite3.connect(path) as connection:
        schema = connection.execute(
            "select name, sql from sqlite_master where sql is not null order by name"
        ).fetchall()
        version = connection.execute("select version_num from alembic_version").fetchall()
    return schema, version


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_database(url)
    first = _schema_and_version(path)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert first[1] == [(head,)]
    with sqlite3.connect(path) as connection:
        connection.execute(
            "insert into crawl_runs (id, source, parameters, started_at, status, n_new, n_updated,"
            " n_unchanged, n_failed) values (3, 'oai', '{}', '2026-01-01 00:00:00', 'done',"
            " 1, 0, 0, 0)"
        )
    upgrade_database(url)
    assert _schema_and_version(path) == first
    with sqlite3.connect(path) as connection:
        assert connection.execute("select id, status from crawl_runs").fetchall() == [(3, "done")]


def test_the_crawl_run_heartbeat_migration_reverses_and_keeps_the_runs(tmp_path: Path) -> None:
    path = tmp_path / "reversed.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_database(url)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "insert into crawl_runs (id, source, parameters, started_at, status, n_new, n_updated,"
            " n_unchanged, n_failed, host, pid) values (7, 'oai', '{}', '2026-01-01 00:00:00',"
            " 'running', 0, 0, 0, 0, 'here', 42)"
        )
        connection.execute(
            "insert into job_runs (job, trigger, scheduled_for, attempt, started_at, status,"
            " holder, crawl_run_id) values ('crawl-rss', 'cron', '2026-01-01 00:00:00', 1,"
            " '2026-01-01 00:00:00', 'running', 'here', 7)"
        )
    command.downgrade(alembic_config(url), "0005")
    with sqlite3.connect(path) as connection:
        columns = {r[1] for r in connection.execute("pragma table_info(crawl_runs)")}
        assert not {"host", "pid", "heartbeat_at"} & columns
        assert connection.execute("select crawl_run_id from job_runs").fetchall() == [(7,)]
    upgrade_database(url)
    with sqlite3.connect(path) as connection:
        assert connection.execute("select id, host, pid from crawl_runs").fetchall() == [
            (7, None, None)
        ]

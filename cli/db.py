"""``coolpapers db``: the database schema (Alembic migrations)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config

from cli.context import CommandError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@click.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = load_settings()
    try:
        upgrade_database(settings.DATABASE_URL, revision)
    except Exception as exc:
        raise CommandError(f"cannot upgrade the database: {exc}") from exc
    click.echo(f"database at {revision}: {settings.DATABASE_URL}")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    settings = load_settings()
    try:
        command.downgrade(alembic_config(settings.DATABASE_URL), revision)
    except Exception as exc:
        raise CommandError(f"cannot downgrade the database: {exc}") from exc
    click.echo(f"database downgraded to {revision}")


@db.command()
def current() -> None:
    """Show the revision the database is at."""
    command.current(alembic_config(load_settings().DATABASE_URL))

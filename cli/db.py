"""``coolpapers db``: the database schema (Alembic migrations), and copying it elsewhere."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
from alembic import command
from alembic.config import Config

from cli.context import CommandError, load_settings, print_json, run
from models.settings import Settings
from models.transfer import CopyReport

ROOT = Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    """The Alembic scripts: ``alembic/`` of the source tree, else the installed package's copy."""
    if (ROOT / "alembic" / "env.py").is_file():
        return ROOT / "alembic"
    spec = importlib.util.find_spec("coolpapers_migrations")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise CommandError("the database migrations are missing: reinstall coolpapers")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
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
    """Apply migrations up to REVISION (default: the latest).

    When the search index is empty while there are papers (a migration created it anew),
    every paper is indexed.
    """
    settings = load_settings()
    try:
        upgrade_database(settings.DATABASE_URL, revision)
    except Exception as exc:
        raise CommandError(f"cannot upgrade the database: {exc}") from exc
    click.echo(f"database at {revision}: {settings.DATABASE_URL}")
    from cli.index import fill_if_empty  # the search index needs the upgraded schema

    indexed = fill_if_empty(settings) if revision == "head" else 0
    if indexed:
        click.echo(f"search index built: {indexed} papers")


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


def database_revisions(url: str) -> tuple[list[str], list[str]]:
    """The revisions the database is at, and the latest revisions of the code."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine as create_sync_engine
    from sqlalchemy.engine import make_url

    heads = list(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    sync_url = make_url(url)
    if sync_url.drivername == "sqlite+aiosqlite":
        sync_url = sync_url.set(drivername="sqlite")
    elif sync_url.get_backend_name() == "postgresql":
        sync_url = sync_url.set(drivername="postgresql+psycopg")
    engine = create_sync_engine(sync_url)
    try:
        with engine.connect() as connection:
            current = list(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current, heads


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def current(as_json: bool) -> None:
    """Show the revision the database is at, and whether it is the latest."""
    settings = load_settings()
    try:
        at, heads = database_revisions(settings.DATABASE_URL)
    except Exception as exc:
        raise CommandError(f"cannot read the database's revision: {exc}") from exc
    latest = sorted(at) == sorted(heads)
    if as_json:
        print_json({"current": at, "head": heads, "up_to_date": latest})
        return
    state = "latest" if latest else f"latest is {', '.join(heads)}: run 'coolpapers db upgrade'"
    click.echo(f"database at {', '.join(at) or 'no revision (empty)'} ({state})")


@db.command("copy")
@click.option(
    "--to",
    "target_url",
    required=True,
    metavar="URL",
    help="The database to copy into, e.g. postgresql+asyncpg://user@host/coolpapers.",
)
@click.option(
    "--batch",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per committed batch.",
)
def copy_command(target_url: str, batch: int) -> None:
    """Copy this installation's database into another (SQLite to PostgreSQL, or back).

    The target is migrated to the latest schema first. Rows the target already holds are
    skipped, so an interrupted copy resumes where it stopped. The row counts of every table
    are compared at the end.
    """
    settings = load_settings()
    if target_url == settings.DATABASE_URL:
        raise CommandError("--to names the database being copied: give another one")
    try:
        at, heads = database_revisions(settings.DATABASE_URL)
    except Exception as exc:
        raise CommandError(f"cannot read the database's revision: {exc}") from exc
    if sorted(at) != sorted(heads):
        raise CommandError("the database is not at the latest schema: run 'coolpapers db upgrade'")
    try:
        upgrade_database(target_url)
    except Exception as exc:
        raise CommandError(f"cannot migrate the target database: {exc}") from exc
    report = run(_copy, settings, target_url, batch)
    copied = sum(report.copied.values())
    if report.mismatched:
        lines = ", ".join(f"{c.table} {c.source} here, {c.target} there" for c in report.mismatched)
        raise CommandError(f"copied {copied} rows, but the counts differ: {lines}")
    rows = sum(count.source for count in report.counts)
    click.echo(f"copied {copied} rows; all {len(report.counts)} tables match ({rows} rows)")


async def _copy(settings: Settings, target_url: str, batch: int) -> CopyReport:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from models.db import create_engine
    from models.transfer import copy_database

    source = create_engine(settings=settings)
    target = create_engine(target_url, settings=settings)
    tasks: dict[str, TaskID] = {}
    bar = Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    )

    def progress(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = bar.add_task(table, total=total)
        bar.update(tasks[table], completed=done)

    try:
        with bar:
            return await copy_database(source, target, batch=batch, progress=progress)
    except Exception as exc:
        raise CommandError(f"the copy stopped (run it again to resume): {exc}") from exc
    finally:
        await source.dispose()
        await target.dispose()

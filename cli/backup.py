"""``coolpapers backup PATH``: a consistent copy of the SQLite database, taken online.

SQLite's backup API copies the database as one snapshot of a read transaction: the site and
the crawler go on writing meanwhile (WAL mode lets readers and a writer work together), and
the copy holds every transaction committed before the snapshot and none after. The copy is
written next to its destination and renamed into place once checked, so that an interrupted
backup never leaves a half-written file under the chosen name.

On PostgreSQL the copy is ``pg_dump``'s (its custom format, one snapshot too), written and
renamed the same way; restore it with ``pg_restore``.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from cli.context import CommandError, load_settings, print_json


class BackupFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class BackupResult:
    source: Path
    target: Path
    bytes: int
    pages: int


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the database ``source`` to ``target`` through the backup API (blocking)."""
    if not source.is_file():
        raise BackupFailed(f"{source}: no such database")
    if target.exists() and not overwrite:
        raise BackupFailed(f"{target} exists (use --force to replace it)")
    if target.resolve() == source.resolve():
        raise BackupFailed("the backup would overwrite the database itself")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        reader = sqlite3.connect(source, timeout=30)
        try:
            copy = sqlite3.connect(partial)
            try:
                # One step: the whole copy comes from a single read snapshot.
                reader.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                problem = copy.execute("PRAGMA quick_check").fetchone()[0]
                pages = copy.execute("PRAGMA page_count").fetchone()[0]
            finally:
                copy.close()
        finally:
            reader.close()
        if problem != "ok":
            raise BackupFailed(f"the copy does not pass SQLite's check: {problem}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupFailed(f"cannot back up {source}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(source, target, target.stat().st_size, pages)


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as PostgreSQL's own tools take it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_dump_command(url: str, target: Path) -> list[str]:
    return ["pg_dump", "--format=custom", f"--file={target}", f"--dbname={libpq_url(url)}"]


def backup_postgresql(url: str, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Dump the PostgreSQL database at ``url`` to ``target`` with ``pg_dump`` (blocking)."""
    if target.exists() and not overwrite:
        raise BackupFailed(f"{target} exists (use --force to replace it)")
    partial = target.with_name(f".{target.name}.partial")
    command = pg_dump_command(url, partial)
    shown = shlex.join(pg_dump_command(make_url(url).render_as_string(), target)[:-1])
    if shutil.which("pg_dump") is None:
        raise BackupFailed(
            "pg_dump is not installed (Debian: apt-get install postgresql-client); "
            f"or run: {shown} --dbname=postgresql://..."
        )
    partial.unlink(missing_ok=True)
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupFailed(f"pg_dump failed: {done.stderr.strip()}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(Path(make_url(url).database or ""), target, target.stat().st_size, 0)


async def backup_database(source: Path, target: Path, *, overwrite: bool = False) -> BackupResult:
    """``backup_sqlite`` in a thread, so that the event loop (the site) keeps serving."""
    return await asyncio.to_thread(backup_sqlite, source, target, overwrite=overwrite)


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def backup(path: Path, force: bool, as_json: bool) -> None:
    """Write a consistent copy of the database to PATH, while the site keeps running.

    The copy is a plain SQLite file: restore it by stopping the site and the scheduler and
    putting it in place of the database file (COOLPAPERS_DATABASE_URL). On PostgreSQL it is
    pg_dump's custom format: restore it with pg_restore.
    """
    settings = load_settings()
    source = settings.sqlite_path
    if not path.parent.is_dir():
        raise CommandError(f"{path.parent}: no such directory")
    try:
        if source is None and make_url(settings.DATABASE_URL).get_backend_name() == "postgresql":
            result = backup_postgresql(settings.DATABASE_URL, path, overwrite=force)
        elif source is None:
            raise CommandError(
                "backup copies SQLite and PostgreSQL databases; for another database use its"
                f" own tools (DATABASE_URL is {settings.DATABASE_URL.split('://')[0]}://...)"
            )
        else:
            result = backup_sqlite(source, path, overwrite=force)
    except BackupFailed as exc:
        raise CommandError(str(exc)) from exc
    if as_json:
        print_json(
            {
                "source": str(result.source),
                "backup": str(result.target),
                "bytes": result.bytes,
                "pages": result.pages,
            }
        )
    else:
        click.echo(f"backed up {result.source} to {result.target} ({result.bytes:,} bytes)")

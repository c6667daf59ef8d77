"""``coolpapers backup PATH``: a consistent copy of the SQLite database, taken online.

SQLite's backup API copies the database as one snapshot of a read transaction: the site and
the crawler go on writing meanwhile (WAL mode lets readers and a writer work together), and
the copy holds every transaction committed before the snapshot and none after. The copy is
written next to its destination and renamed into place once checked, so that an interrupted
backup never leaves a half-written file under the chosen name.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import click

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
    putting it in place of the database file (COOLPAPERS_DATABASE_URL).
    """
    settings = load_settings()
    source = settings.sqlite_path
    if source is None:
        raise CommandError(
            "backup copies SQLite databases; for another database use its own tools"
            f" (DATABASE_URL is {settings.DATABASE_URL.split('://')[0]}://...)"
        )
    if not path.parent.is_dir():
        raise CommandError(f"{path.parent}: no such directory")
    try:
        result = backup_sqlite(source, path, overwrite=force)
    except BackupFailed as exc:
        raise CommandError(str(exc)) from exc
    if as_json:
        print_json(
            {"source": str(result.source), "backup": str(result.target), "bytes": result.bytes,
             "pages": result.pages}
        )  # fmt: skip
    else:
        click.echo(f"backed up {result.source} to {result.target} ({result.bytes:,} bytes)")

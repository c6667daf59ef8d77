"""``coolpapers import``: load recorded arXiv responses from files."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import CommandError, database, load_settings, run
from crawler.imports import ImportFailed, ImportResult, import_files


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def import_command(files: tuple[Path, ...]) -> None:
    """Import FILES: arXiv RSS/Atom feeds, search-API responses, OAI-PMH pages or
    metadata snapshot JSON lines (the format is detected from the content; .gz is fine).

    Each file is imported in one transaction: a bad file writes nothing. A snapshot (the
    whole archive) is streamed instead, committed in batches as it goes; importing it
    again is harmless.
    """
    settings = load_settings()
    for path in files:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")

    async def go() -> ImportResult:
        async with database(settings) as sessions:
            return await import_files(sessions, list(files))

    try:
        result = run(go)
    except ImportFailed as exc:
        raise CommandError(str(exc)) from exc
    for item in result.files:
        note = f" (error document: {item.error})" if item.error else ""
        c = item.counts
        click.echo(
            f"{item.path}: {item.kind}, {c.new} new, {c.updated} updated, "
            f"{c.unchanged} unchanged{note}"
        )
    c = result.counts
    click.echo(
        f"imported {c.papers} papers: {c.new} new, {c.updated} updated, {c.unchanged} unchanged"
    )

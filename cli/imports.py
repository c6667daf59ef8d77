"""``coolpapers import``: load recorded arXiv responses from files, and venue proceedings
(ACL Anthology collection files, PMLR volume folders)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import CommandError, load_settings, run, services
from crawler.imports import ImportFailed, ImportResult, import_files
from venues.imports import VenueImport, import_venues, is_venue_source


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_command(files: tuple[Path, ...]) -> None:
    """Import FILES: arXiv RSS/Atom feeds, search-API responses, OAI-PMH pages or
    metadata snapshot JSON lines (the format is detected from the content; .gz is fine);
    ACL Anthology collection XML files and PMLR volume folders (_config.yml and _posts/).

    Each file is written whole in one transaction, which consecutive files share up to
    10,000 papers (and the search index gets one segment of them): a bad file writes
    nothing, the files before it stay. A snapshot (the whole archive) is streamed instead,
    committed 10,000 papers at a time as it goes; importing it again is harmless.
    """
    settings = load_settings()
    for path in files:
        if not (path.is_file() or path.is_dir()):
            raise CommandError(f"{path}: no such file")
    venue_sources = [p for p in files if is_venue_source(p)]
    arxiv_files = [p for p in files if p not in venue_sources]
    for path in arxiv_files:
        if path.is_dir():
            raise CommandError(f"{path}: a folder that is not a PMLR volume (no _config.yml)")
    if venue_sources:
        _import_venues(settings, venue_sources)
    if not arxiv_files:
        return

    async def go() -> ImportResult:
        async with services(settings, bulk=True) as built:
            return await import_files(built.sessions, arxiv_files, hooks=built.hooks)

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


def _import_venues(settings, paths: list[Path]) -> None:
    async def go() -> VenueImport:
        async with services(settings, bulk=True) as built:
            return await import_venues(built.sessions, paths, hooks=built.hooks)

    result = run(go)
    for item in result.sources:
        if item.error:
            click.echo(f"{item.path}: refused, nothing written: {item.error}", err=True)
            continue
        c = item.counts
        click.echo(
            f"{item.path}: {item.kind}, {c.new} new, {c.updated} updated, {c.unchanged} unchanged"
        )
        for problem in item.problems:
            click.echo(f"  {problem}", err=True)
    c = result.counts
    click.echo(
        f"imported {c.papers} venue papers: {c.new} new, {c.updated} updated, "
        f"{c.unchanged} unchanged"
    )
    if result.failed:
        raise CommandError(f"{len(result.failed)} source(s) refused (see above)")

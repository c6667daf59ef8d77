"""``coolpapers sample``: the bundled sample of real arXiv papers."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from cli.context import CommandError, load_settings, run, services
from crawler.imports import ImportFailed, import_files
from crawler.sample import sample_files
from models.schema import Paper


@click.group()
def sample() -> None:
    """The bundled sample of real arXiv papers (recorded responses, CC0 metadata)."""


@sample.command()
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no paper.")
def load(if_empty: bool) -> None:
    """Load the sample through the ordinary import path."""
    settings = load_settings()

    async def go() -> str:
        async with services(settings) as built:
            sessions = built.sessions
            if if_empty:
                async with sessions() as session:
                    count = await session.execute(select(func.count()).select_from(Paper))
                    if count.scalar_one():
                        return "the database already holds papers: sample not loaded"
            result = await import_files(sessions, sample_files(), hooks=built.hooks)
            c = result.counts
            return f"sample loaded: {c.new} new, {c.updated} updated, {c.unchanged} unchanged"

    try:
        click.echo(run(go))
    except ImportFailed as exc:
        raise CommandError(str(exc)) from exc

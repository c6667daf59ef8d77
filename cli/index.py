"""``coolpapers index``: the full-text search index (rebuild it, check it)."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from cli.context import CommandError, load_settings, print_json, print_table, run, services
from models.schema import Paper
from search import IndexCheck, RebuildReport, check_index, rebuild_index
from search.indexing import REBUILD_BATCH, supports_index


@click.group()
def index() -> None:
    """The full-text search index (kept up to date by every import and crawl)."""


@index.command()
@click.option("--batch-size", default=REBUILD_BATCH, show_default=True, type=click.IntRange(1))
@click.option("--no-compact", is_flag=True, help="Do not merge the index's segments afterwards.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def rebuild(batch_size: int, no_compact: bool, quiet: bool) -> None:
    """Reindex every paper, in batches, while the site keeps serving."""
    settings = load_settings()

    async def go() -> RebuildReport:
        async with services(settings, bulk=True) as built:
            sessions = built.sessions
            async with sessions() as session:
                total = (await session.execute(select(func.count()).select_from(Paper))).scalar()
            with Progress(
                TextColumn("indexing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                disable=quiet,
            ) as progress:
                task = progress.add_task("papers", total=total)
                return await rebuild_index(
                    sessions,
                    batch_size=batch_size,
                    compact=not no_compact,
                    progress=lambda n: progress.advance(task, n),
                )

    report = run(go)
    rate = report.papers / report.seconds if report.seconds else 0.0
    click.echo(
        f"indexed {report.papers} papers in {report.seconds:.1f} s ({rate:.0f} papers/s), "
        f"removed {report.removed} gone"
    )


def fill_if_empty(settings) -> int:
    """Index every paper when the index holds none (after a migration that created it);
    returns how many were indexed."""

    async def go() -> int:
        async with services(settings) as built:
            sessions = built.sessions
            async with sessions() as session:
                if not supports_index(session):
                    return 0
                check = await check_index(session, sample=0)
            if check.indexed or not check.unindexed:
                return 0
            return (await rebuild_index(sessions)).papers

    return run(go)


@index.command()
@click.option("--all", "compare_all", is_flag=True, help="Compare every paper, not a sample.")
@click.option("--sample", "sample_size", default=1000, show_default=True, type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def check(compare_all: bool, sample_size: int, as_json: bool) -> None:
    """Compare the index with the papers; exit status 1 when they differ."""
    settings = load_settings()

    async def go() -> IndexCheck:
        async with services(settings) as built, built.sessions() as session:
            return await check_index(session, sample=None if compare_all else sample_size)

    result = run(go)
    data = {
        "ok": result.ok,
        "supported": result.supported,
        "papers": result.papers,
        "indexed": result.indexed,
        "unindexed": result.unindexed,
        "orphans": len(result.orphans),
        "compared": result.compared,
        "stale": result.stale[:20],
        "integrity": result.integrity,
    }
    if as_json:
        print_json(data)
    else:
        rows = [(k, ", ".join(v) if isinstance(v, list) else v) for k, v in data.items()]
        print_table("search index", ["", "value"], rows)
    if not result.supported:
        raise CommandError("this database has no search index (SQLite only for now)")
    if not result.ok:
        raise CommandError(
            "the search index differs from the papers: run 'coolpapers index rebuild'"
        )

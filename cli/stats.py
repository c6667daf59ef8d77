"""``coolpapers stats``: what the archive holds."""

from __future__ import annotations

import click

from cli.context import database, load_settings, print_json, print_table, run
from models.stats import ArchiveStats, archive_stats


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stats(as_json: bool) -> None:
    """Show the number of papers, authors and categories, and the last crawl."""
    settings = load_settings()

    async def go() -> ArchiveStats:
        async with database(settings) as sessions, sessions() as session:
            return await archive_stats(session)

    result = run(go)
    last = result.last_crawl
    last_crawl = (
        {
            "id": last.id,
            "source": last.source,
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
            "status": last.status.value,
            "new": last.n_new,
            "updated": last.n_updated,
            "unchanged": last.n_unchanged,
            "failed": last.n_failed,
            "error": last.error,
        }
        if last
        else None
    )
    data = {
        "papers": result.papers,
        "authors": result.authors,
        "categories": result.categories,
        "last_crawl": last_crawl,
    }
    if as_json:
        print_json(data)
        return
    rows = [("papers", result.papers), ("authors", result.authors),
            ("categories", result.categories)]  # fmt: skip
    if last_crawl:
        rows.append(
            (
                "last crawl",
                f"#{last.id} {last.source} {last.status.value} at {last.started_at:%Y-%m-%d %H:%M}"
                f" UTC: {last.n_new} new, {last.n_updated} updated, {last.n_unchanged} unchanged"
                + (f", error: {last.error}" if last.error else ""),
            )
        )
    else:
        rows.append(("last crawl", "never"))
    print_table("coolpapers", ["what", "value"], rows)

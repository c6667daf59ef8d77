"""``coolpapers export``: the papers as JSON lines or CSV, by category and date."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import click
from sqlalchemy import Date, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cli.context import CommandError, load_settings, run, services
from crawler.ids import abs_url
from models.schema import Paper, PaperAuthor, PaperCategory

BATCH = 500
CSV_COLUMNS = (
    "id",
    "version",
    "title",
    "authors",
    "primary_category",
    "categories",
    "published",
    "updated",
    "doi",
    "journal_ref",
    "comment",
    "license",
    "withdrawn",
    "url",
    "abstract",
)


def paper_row(paper: Paper) -> dict[str, object]:
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": [a.name for a in paper.authors],
        "primary_category": paper.primary_category,
        "categories": [c.category for c in paper.categories],
        "published": paper.published.isoformat() if paper.published else None,
        "updated": paper.updated.isoformat() if paper.updated else None,
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comment": paper.comment,
        "license": paper.license,
        "withdrawn": paper.withdrawn,
        "url": abs_url(paper.id),
        "abstract": paper.abstract,
    }


async def exported_papers(
    session: AsyncSession,
    *,
    category: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    include_hidden: bool = False,
) -> AsyncIterator[Paper]:
    """The papers in id order, in batches (the whole archive never sits in memory).

    ``since``/``until`` bound the day of first publication (inclusive, UTC); ``category``
    matches primary and cross-listed papers, and an archive (``cs``) matches its categories.
    """
    statement = select(Paper)
    if not include_hidden:
        statement = statement.where(Paper.hidden.is_(False))
    if category:
        matches = PaperCategory.category == category
        if "." not in category:
            matches = matches | PaperCategory.category.startswith(category + ".")
        statement = statement.where(Paper.id.in_(select(PaperCategory.paper_id).where(matches)))
    day = func.date(Paper.published, type_=Date)  # a date on either database
    if since:
        statement = statement.where(day >= since)
    if until:
        statement = statement.where(day <= until)
    after = None
    while True:
        page = statement.order_by(Paper.id).limit(BATCH)
        if after is not None:
            page = page.where(Paper.id > after)
        rows = await session.execute(
            page.options(
                selectinload(Paper.authors).joinedload(PaperAuthor.author),
                selectinload(Paper.categories),
            )
        )
        papers = list(rows.scalars())
        if not papers:
            return
        for paper in papers:
            yield paper
        after = papers[-1].id
        session.expunge_all()


def write_jsonl(out: IO[str], row: dict[str, object]) -> None:
    out.write(json.dumps(row, ensure_ascii=False) + "\n")


def csv_values(row: dict[str, object]) -> dict[str, object]:
    values = dict(row)
    values["authors"] = "; ".join(row["authors"])
    values["categories"] = " ".join(row["categories"])
    return values


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("--category", "-c", help="Only papers in this category (or archive, e.g. cs).")
@click.option(
    "--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="First published on or after."
)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="First published on or before.")
@click.option("--include-hidden", is_flag=True, help="Export hidden papers too.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export(
    fmt: str,
    category: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    include_hidden: bool,
    output: Path | None,
) -> None:
    """Export the papers as JSON lines (one paper a line) or CSV, in id order.

    Dates are days of first publication (YYYY-MM-DD, UTC); the count goes to stderr.
    """
    settings = load_settings()
    if since and until and since > until:
        raise CommandError("--from is after --until")

    async def go(out: IO[str]) -> int:
        count = 0
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        async with services(settings) as built, built.sessions() as session:
            async for paper in exported_papers(
                session,
                category=category,
                since=since.date() if since else None,
                until=until.date() if until else None,
                include_hidden=include_hidden,
            ):
                row = paper_row(paper)
                if writer:
                    writer.writerow(csv_values(row))
                else:
                    write_jsonl(out, row)
                count += 1
        return count

    if output is None:
        count = run(go, sys.stdout)
    else:
        partial = output.with_name(f".{output.name}.partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as handle:
                count = run(go, handle)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    click.echo(f"exported {count} papers", err=True)

"""``coolpapers paper``: show, hide or delete one paper."""

from __future__ import annotations

import click
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from cli.context import CommandError, load_settings, print_json, print_table, run, services
from cli.export import paper_row
from crawler.ids import InvalidArxivId, parse_arxiv_id
from models.data_version import bump_data_version
from models.queries import get_paper, paper_announcements
from models.schema import Paper


def _arxiv_id(text: str) -> str:
    try:
        return parse_arxiv_id(text).id
    except InvalidArxivId as exc:
        raise CommandError(str(exc)) from exc


async def _update_search_index(session: AsyncSession, paper_id: str) -> None:
    """Hidden and deleted papers leave the search index (when the database has one)."""
    from search import has_index, index_papers

    if not await has_index(session):
        return

    await index_papers(session, [paper_id])


@click.group()
def paper() -> None:
    """Show, hide or delete one paper (by arXiv id)."""


@paper.command()
@click.argument("arxiv_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def show(arxiv_id: str, as_json: bool) -> None:
    """Show what the database holds of ARXIV_ID: fields, versions, announcements."""
    paper_id = _arxiv_id(arxiv_id)
    settings = load_settings()

    async def go() -> dict | None:
        async with services(settings) as built, built.sessions() as session:
            found = await get_paper(session, paper_id)
            if found is None:
                return None
            announced = await paper_announcements(session, paper_id)
            row = paper_row(found)
            abstract = row.pop("abstract")  # long: shown last
            return {
                **row,
                "hidden": found.hidden,
                "versions": [
                    {
                        "version": v.version,
                        "submitted": v.submitted.isoformat() if v.submitted else None,
                        "size": v.size,
                    }
                    for v in found.versions
                ],
                "announcements": [
                    {"day": a.day.isoformat(), "category": a.category, "type": a.type.value}
                    for a in announced
                ],
                "modified_at": found.modified_at.isoformat(),
                "abstract": abstract,
            }

    data = run(go)
    if data is None:
        raise CommandError(f"no paper {paper_id} in the database")
    if as_json:
        print_json(data)
        return
    rows = []
    for key, value in data.items():
        if key == "versions":
            value = ", ".join(f"v{v['version']} {v['submitted'] or ''}".strip() for v in value)
        elif key == "announcements":
            value = ", ".join(f"{a['day']} {a['category']} ({a['type']})" for a in value)
        elif isinstance(value, list):
            value = ", ".join(value)
        rows.append((key, value))
    print_table(f"paper {paper_id}", ["field", "value"], rows)


@paper.command()
@click.argument("arxiv_id")
@click.option("--undo", is_flag=True, help="Show the paper again.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def hide(arxiv_id: str, undo: bool, as_json: bool) -> None:
    """Hide ARXIV_ID from every list, search and feed (kept in the database)."""
    paper_id = _arxiv_id(arxiv_id)
    settings = load_settings()

    async def go() -> int:
        async with services(settings) as built, built.sessions.begin() as session:
            result = await session.execute(
                update(Paper).where(Paper.id == paper_id).values(hidden=not undo)
            )
            if result.rowcount:
                await _update_search_index(session, paper_id)
                await bump_data_version(session)
            return result.rowcount

    if not run(go):
        raise CommandError(f"no paper {paper_id} in the database")
    if as_json:
        print_json({"id": paper_id, "hidden": not undo})
    else:
        click.echo(f"{paper_id} {'shown again' if undo else 'hidden'}")


@paper.command(name="delete")
@click.argument("arxiv_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def delete_paper(arxiv_id: str, yes: bool, as_json: bool) -> None:
    """Delete ARXIV_ID with its versions, authorships, announcements and summaries.

    A later crawl brings it back if arXiv still lists it: to keep it out, hide it instead.
    """
    paper_id = _arxiv_id(arxiv_id)
    settings = load_settings()
    if not yes:
        click.confirm(f"delete {paper_id} and everything stored about it?", abort=True)

    async def go() -> int:
        async with services(settings) as built, built.sessions.begin() as session:
            result = await session.execute(delete(Paper).where(Paper.id == paper_id))
            if result.rowcount:
                await _update_search_index(session, paper_id)
                await bump_data_version(session)
            return result.rowcount

    if not run(go):
        raise CommandError(f"no paper {paper_id} in the database")
    if as_json:
        print_json({"id": paper_id, "deleted": True})
    else:
        click.echo(f"{paper_id} deleted")

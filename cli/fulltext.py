"""``coolpapers fulltext``: fetch the full text of papers, import a recorded page or PDF,
show how fetching went."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cli.context import CommandError, load_settings, print_json, print_table, run, services
from crawler.ids import InvalidArxivId, parse_arxiv_id
from fulltext.document import FullTextStatus, StoredFullText
from fulltext.html import NotLaTeXML
from fulltext.pdf import PdfUnreadable


def describe(stored: StoredFullText) -> str:
    """One line: how fetching one version ended."""
    name = f"{stored.paper_id}v{stored.version}"
    if stored.status == FullTextStatus.OK and stored.document is not None:
        document = stored.document
        own = sum(1 for link in stored.code_links if link.own)
        return (
            f"{name}: ok ({stored.source}, {len(document.sections)} sections, "
            f"{document.chars:,} characters, {len(document.references)} references, "
            f"{len(stored.code_links)} code links, {own} own)"
        )
    return f"{name}: {stored.status} ({stored.source or '-'}): {stored.reason or 'no reason'}"


@click.group()
def fulltext() -> None:
    """Full texts of papers: arXiv's HTML rendering, else the PDF."""


@fulltext.command("fetch")
@click.argument("ids", nargs=-1)
@click.option("--category", "categories", multiple=True, help="With --date: papers of C.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Fetch the papers announced that day (default with --category: the latest day).",
)
def fetch_command(ids: tuple[str, ...], categories: tuple[str, ...], day: dt.datetime | None):
    """Fetch and store the full text of papers (ID or IDvN, or a day's papers), one line each.

    Exits 0 when every paper ends with a status, ok or a failure with its reason."""
    from fulltext.fetch import FetchConfig, fulltext_client
    from fulltext.service import UnknownPaper, fetch_and_store, papers_of_day

    if not ids and not categories and day is None:
        raise click.UsageError("give arXiv ids, or --category/--date")
    wanted = []
    for raw in ids:
        try:
            arxiv_id = parse_arxiv_id(raw)
        except InvalidArxivId as exc:
            raise click.BadParameter(str(exc), param_hint="ID") from None
        wanted.append((arxiv_id.id, arxiv_id.version))
    settings = load_settings()
    config = FetchConfig.from_settings(settings)

    async def go() -> int:
        unknown = 0
        async with services(settings) as built, fulltext_client(settings) as client:
            sessions = built.sessions
            if categories or day is not None:
                chosen = categories or tuple(settings.CATEGORIES)
                found_day, papers = await papers_of_day(
                    sessions, chosen, day.date() if day else None
                )
                click.echo(f"{len(papers)} papers announced on {found_day or 'no day'}")
                wanted.extend(papers)
            for paper_id, version in wanted:
                try:
                    stored = await fetch_and_store(sessions, client, config, paper_id, version)
                except UnknownPaper as exc:
                    click.echo(f"{paper_id}: {exc}")
                    unknown += 1
                    continue
                click.echo(describe(stored))
        return unknown

    if run(go):
        raise CommandError("some papers are not in this archive (crawl them first)")


@fulltext.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "paper", required=True, help="The paper: ID or IDvN.")
def import_command(file: Path, paper: str) -> None:
    """Store the full text read from a recorded HTML page or PDF (told apart by content)."""
    from fulltext.fetch import read_recorded
    from fulltext.service import UnknownPaper, current_version, store_document

    try:
        arxiv_id = parse_arxiv_id(paper)
    except InvalidArxivId as exc:
        raise click.BadParameter(str(exc), param_hint="--id") from None
    content = file.read_bytes()
    try:
        document = read_recorded(content)
    except (NotLaTeXML, PdfUnreadable) as exc:
        raise CommandError(f"{file}: {exc}") from None
    settings = load_settings()

    async def go() -> StoredFullText:
        async with services(settings) as built:
            sessions = built.sessions
            version = arxiv_id.version or await current_version(sessions, arxiv_id.id)
            return await store_document(sessions, arxiv_id.id, version, document, len(content))

    try:
        stored = run(go)
    except UnknownPaper as exc:
        raise CommandError(str(exc)) from None
    click.echo(describe(stored))


@fulltext.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--failures", default=10, show_default=True, type=click.IntRange(0, 1000))
def status_command(as_json: bool, failures: int) -> None:
    """Full texts by status and source, and the latest failures with their reasons."""
    from fulltext.report import FullTextCounts, fulltext_counts

    settings = load_settings()

    async def go() -> FullTextCounts | None:
        async with services(settings) as built, built.sessions() as session:
            return await fulltext_counts(session, failures)

    counts = run(go)
    if counts is None:
        raise CommandError("the database has no full-text table: run 'coolpapers db upgrade'")
    if as_json:
        print_json(counts.to_json())
        return
    rows = [(status, n) for status, n in sorted(counts.by_status.items())]
    rows += [(f"ok from {source}", n) for source, n in sorted(counts.by_source.items())]
    rows.append(("stored", f"{counts.bytes_stored / 2**20:.2f} MiB"))
    print_table("full texts", ["status", "papers"], rows)
    if counts.failures:
        print_table(
            "latest failures",
            ["paper", "status", "when (UTC)", "attempts", "reason"],
            [
                (
                    f"{f.paper_id}v{f.version}",
                    f.status,
                    f"{f.fetched_at:%Y-%m-%d %H:%M}",
                    f.attempts,
                    f.reason or "",
                )
                for f in counts.failures
            ],
        )

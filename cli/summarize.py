"""``coolpapers summarize``: fill the summary cache ahead of readers."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from cli.context import CommandError, database, load_settings, run
from fulltext import service as fulltext_service
from summaries import Job, JobState, SummaryError, SummaryService
from summaries.selection import papers_to_summarize

MAX_FAILURES_SHOWN = 5


@dataclass
class Outcome:
    made: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # paper, lang, message


@click.command()
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only papers announced (or first published) on this day, YYYY-MM-DD.",
)
@click.option("--category", "-c", help="Only papers listed in this category, e.g. cs.CL.")
@click.option(
    "--limit", "-n", type=click.IntRange(min=1), help="At most this many papers per language."
)
@click.option(
    "--lang",
    "languages",
    multiple=True,
    help="A language to summarize in (repeatable; default: every one of SUMMARY_LANGUAGES).",
)
def summarize(
    day: dt.datetime | None, category: str | None, limit: int | None, languages: tuple[str, ...]
) -> None:
    """Make the FAQ summaries of papers that have none for their current version.

    Uses the model of COOLPAPERS_LLM_BASE_URL, or the offline extractive summarizer when no
    endpoint is set. Papers announced today go first; the concurrency limit and the daily
    budget of model calls apply.
    """
    settings = load_settings()
    chosen = languages or tuple(settings.SUMMARY_LANGUAGES)
    unknown = [lang for lang in chosen if lang not in settings.SUMMARY_LANGUAGES]
    if unknown:
        raise CommandError(
            f"unknown language {unknown[0]!r}: choose among {', '.join(settings.SUMMARY_LANGUAGES)}"
        )
    console = Console(stderr=True)

    async def go() -> tuple[str, int, Outcome]:
        async with database(settings) as sessions:
            try:
                service = SummaryService.from_settings(
                    settings, sessions, full_text=fulltext_service.on_demand(sessions, settings)
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            try:
                work: list[tuple[str, str]] = []
                async with sessions() as session:
                    for language in chosen:
                        ids = await papers_to_summarize(
                            session,
                            language=language,
                            model=service.model,
                            day=day.date() if day else None,
                            category=category,
                            limit=limit,
                        )
                        work += [(paper_id, language) for paper_id in ids]
                return service.model, len(work), await _run(service, work, console)
            finally:
                await service.aclose()

    model, total, outcome = run(go)
    if total == 0:
        click.echo("nothing to summarize: every selected paper has a summary")
        return
    click.echo(f"{outcome.made} of {total} summaries made by {model}")
    for paper_id, language, message in outcome.failures[:MAX_FAILURES_SHOWN]:
        click.echo(f"  failed: {paper_id} ({language}): {message}", err=True)
    if outcome.failures:
        raise CommandError(f"{len(outcome.failures)} of {total} summaries failed")


async def _run(service: SummaryService, work: list[tuple[str, str]], console: Console) -> Outcome:
    outcome = Outcome()
    if not work:
        return outcome
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"summaries by {service.model}", total=len(work), failed=0)

        async def finish(job: Job, language: str) -> None:
            await job.wait()
            if job.state == JobState.COMPLETE:
                outcome.made += 1
            else:
                outcome.failures.append((job.key.paper_id, language, job.error or "failed"))
            progress.update(task, advance=1, failed=len(outcome.failures))

        waits = []
        for paper_id, language in work:
            try:
                job = await service.start(paper_id, language, background=True)
            except SummaryError as exc:  # the budget is spent: the rest would fail alike
                outcome.failures.append((paper_id, language, str(exc)))
                progress.update(task, advance=1, failed=len(outcome.failures))
                continue
            waits.append(asyncio.create_task(finish(job, language)))
        await asyncio.gather(*waits)
    return outcome

"""What commands share: the settings, what a command runs on (``services``: the command
line's composition root, as ``web.app.create_app`` is the site's), output helpers."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import IngestHooks
from models.db import create_engine, session_factory
from models.settings import Settings

if TYPE_CHECKING:
    from schedule import Job, Runner, SleepingClock
    from summaries import SummaryService

T = TypeVar("T")


class CommandError(click.ClickException):
    """An error the user can act on: printed as one line, exit status 1."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"COOLPAPERS_{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise CommandError(f"invalid settings: {problems}") from exc


def run(coroutine_function: Callable[..., Awaitable[T]], *args: Any) -> T:
    return asyncio.run(coroutine_function(*args))


def ingest_hooks() -> IngestHooks:
    """What every ingest of the command line also does: index the papers it changed."""
    import search
    from fulltext import service as fulltext_service

    fulltext_service.on_fulltext_stored(search.index_papers)  # bodies are indexed too
    return IngestHooks(papers_changed=search.index_papers, papers_coming=search.foresee_papers)


@dataclass
class Services:
    """What a command runs on: its settings, the database's sessions, the ingest's hooks, and
    when asked for, the summary service and the job runner (closed with the command)."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    hooks: IngestHooks
    _summaries: SummaryService | None = field(default=None, init=False)

    def summaries(self) -> SummaryService:
        """The summary service, made on the first call of the command."""
        if self._summaries is None:
            from summaries import SummaryService

            self._summaries = SummaryService.from_settings(self.settings, self.sessions)
        return self._summaries

    def runner(
        self, *, jobs: list[Job] | None = None, clock: SleepingClock | None = None
    ) -> Runner:
        """The job runner on ``jobs`` (default: every job of the schedule, ingesting with the
        command's hooks)."""
        from cli.operations import all_jobs
        from schedule import SYSTEM_CLOCK, Runner
        from schedule.setup import calendar_of, scheduler_options

        return Runner(
            all_jobs(self.settings, hooks=self.hooks) if jobs is None else jobs,
            self.sessions,
            calendar=calendar_of(self.settings),
            clock=clock or SYSTEM_CLOCK,
            lease_ttl=scheduler_options(self.settings).lease_ttl,
        )

    async def aclose(self) -> None:
        if self._summaries is not None:
            await self._summaries.aclose()


_frozen = False  # whether this process has frozen its start-up objects


def freeze_start_up() -> None:
    """Keep what the process holds from start-up (modules, SQLAlchemy's metadata, the
    tokenizer: some 135,000 objects) out of the garbage collector's full passes, which walk
    every tracked object: an ingest of 20,000 papers spent 1.1 to 1.3 s of its 6 in them, about
    0.3 s once they are frozen. Frozen objects are never collected, so only what lives as
    long as the process is frozen: what start-up built, once (a process running several
    commands, as the tests do, freezes at its first)."""
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True


# The collector's thresholds while a bulk command works (an import, a crawl, an index
# rebuild): a young collection every 50,000 new container objects rather than 700, and fewer
# older ones. An import of 20,000 papers made about 1,000 young and 6 to 9 full collections
# with Python's defaults (0.4 to 0.9 s), 7 to 10 in all with these (0.09 to 0.16 s). Long-lived
# processes (the scheduler, the site, the MCP server) keep Python's: what cycles they leave
# would wait longer to be freed.
BULK_GC_THRESHOLDS = (50_000, 20, 20)


@contextmanager
def bulk_collection() -> Iterator[None]:
    """The collector at ``BULK_GC_THRESHOLDS`` for the duration, as it was after."""
    before = gc.get_threshold()
    gc.set_threshold(*BULK_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@asynccontextmanager
async def services(settings: Settings, *, bulk: bool = False) -> AsyncIterator[Services]:
    """Everything a command runs on, built once here for every command, closed after it.
    ``bulk``: a command that writes many papers at once (``bulk_collection`` meanwhile)."""
    import search

    search.configure(search.SearchOptions.from_settings(settings))
    engine = create_engine(settings=settings)
    built = Services(settings, session_factory(engine), ingest_hooks())
    freeze_start_up()
    try:
        with bulk_collection() if bulk else nullcontext():
            yield built
    except OperationalError as exc:
        if "no such table" in str(exc):
            raise CommandError(
                "the database has no schema yet: run 'coolpapers db upgrade' first"
            ) from exc
        raise
    finally:
        try:
            await built.aclose()
        finally:
            await engine.dispose()


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console().print(table)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")

"""What commands share: the settings, what a command runs on (``services``: the command
line's composition root, as ``web.app.create_app`` is the site's), output helpers."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
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


_settled = False  # whether this process has set its collector up for commands

# The collector's thresholds while a command works: a young collection every 50,000 new
# container objects rather than 700, and fewer older ones. An import of 20,000 papers made
# some 1,000 young and 6 to 9 full collections with Python's defaults (0.5 to 1.0 s of its
# 7 to 10), 7 and none with these (0.13 to 0.20 s); what cycles it leaves wait a little longer.
COMMAND_GC_THRESHOLDS = (50_000, 20, 20)


def settle_collector() -> None:
    """Set the garbage collector up for a command's work, once its start-up is done.

    What the process holds from start-up (modules, SQLAlchemy's metadata, the tokenizer: some
    135,000 objects) is frozen out of the full passes, which walk every tracked object: an
    ingest of 20,000 papers spent 1.1 to 1.3 s of its 6 in them, about 0.3 s once they are
    frozen. Frozen objects are never collected, so only what lives as long as the process is
    frozen: what start-up built, once (a process running several commands, as the tests do,
    settles at its first). Then the collector runs less often (``COMMAND_GC_THRESHOLDS``)."""
    global _settled
    if not _settled:
        gc.freeze()
        gc.set_threshold(*COMMAND_GC_THRESHOLDS)
        _settled = True


@asynccontextmanager
async def services(settings: Settings) -> AsyncIterator[Services]:
    """Everything a command runs on, built once here for every command, closed after it."""
    import search

    search.configure(search.SearchOptions.from_settings(settings))
    engine = create_engine(settings=settings)
    built = Services(settings, session_factory(engine), ingest_hooks())
    settle_collector()
    try:
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

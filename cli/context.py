"""What commands share: the settings, a database opened for one command, output helpers."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.db import create_engine, session_factory
from models.settings import Settings

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


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings=settings)
    try:
        yield session_factory(engine)
    except OperationalError as exc:
        if "no such table" in str(exc):
            raise CommandError(
                "the database has no schema yet: run 'coolpapers db upgrade' first"
            ) from exc
        raise
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

"""The async engine and session factory, with SQLite tuned for a web site that also crawls."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from models.settings import Settings, get_settings

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str | None = None, *, settings: Settings | None = None) -> AsyncEngine:
    """An async engine for ``url`` (default: the configured DATABASE_URL).

    SQLite gets WAL mode, foreign keys and a busy timeout on every connection, and its
    parent directory is created when missing.
    """
    settings = settings or get_settings()
    url = url or settings.DATABASE_URL
    # aiosqlite opens its connection in a thread of its own; without the same-thread check,
    # short reads may also run on the event loop's thread, saving two thread hops each.
    connect_args = {"check_same_thread": False} if url.startswith("sqlite+aiosqlite") else {}
    engine = _create_async_engine(url, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)

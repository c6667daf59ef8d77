"""The async engine and session factory, with SQLite tuned for a web site that also crawls."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, orm
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

from models.settings import Settings, get_settings

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_setup(mmap_bytes: int) -> Callable[[Any, Any], None]:
    """What each new SQLite connection is set to."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA mmap_size={mmap_bytes}")
        cursor.close()

    return on_connect


def create_engine(url: str | None = None, *, settings: Settings | None = None) -> AsyncEngine:
    """An async engine for ``url`` (default: the configured DATABASE_URL).

    SQLite gets WAL mode, foreign keys, a busy timeout and reads through a memory map
    (``SQLITE_MMAP_MB``) on every connection, and its parent directory is created when
    missing.
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
        mmap_bytes = settings.SQLITE_MMAP_MB * 2**20
        event.listen(engine.sync_engine, "connect", _sqlite_setup(mmap_bytes))
    if url.startswith("sqlite+aiosqlite"):
        _skip_idle_ends(engine)
    return engine


def _open_transaction(dbapi_connection: Any) -> bool:
    """Whether the sqlite3 connection under aiosqlite's has a transaction open (True when it
    cannot tell)."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    found = getattr(driver, "_connection", None)
    return not isinstance(found, sqlite3.Connection) or found.in_transaction


def _skip_idle_ends(engine: AsyncEngine) -> None:
    """Commits and rollbacks with no transaction open are not sent to aiosqlite's thread.

    sqlite3 does nothing with them, but aiosqlite hands each to its connection's thread and
    waits for the answer: a session that only read (every page) paid that round trip when it
    ended, about 0.3 ms of a request. A connection not opened by ``create_engine`` (no
    sqlite3 connection to look at) is sent everything."""
    dialect = engine.sync_engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        if _open_transaction(dbapi_connection):
            commit(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        if _open_transaction(dbapi_connection):
            rollback(dbapi_connection)

    do_rollback.skips_idle = True  # type: ignore[attr-defined]  # see ``ends_quietly``
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def ends_quietly(engine: Engine) -> bool:
    """Whether a connection of ``engine`` with no transaction open goes back to its pool
    without a call to the driver's thread (``_skip_idle_ends``)."""
    return getattr(engine.dialect.do_rollback, "skips_idle", False)


# ``Session.info`` keys: the session only reads (``reading``), the pooled connection it was
# lent for those reads (``models.plain.driver_connection``), and that connection's pool when
# it may be given back without a call to the driver's thread (``Session._quietly_given_back``).
READS_ONLY = "coolpapers.reads_only"
LENT = "coolpapers.lent"
LENT_POOL = "coolpapers.lent_pool"


def _give_back_lent(session: orm.Session, transaction: orm.SessionTransaction) -> None:
    """A session that begins a transaction of its own first gives back the connection it was
    lent, so that it never holds two of the pool's connections (nor waits for a second while
    holding one)."""
    if transaction.parent is None:
        lent: PoolProxiedConnection | None = session.info.pop(LENT, None)
        if lent is not None:
            lent.close()


class _SyncSession(orm.Session):
    pass


event.listen(_SyncSession, "after_transaction_create", _give_back_lent)


class Session(AsyncSession):
    """The sessions of ``session_factory``: an ``AsyncSession`` that gives back the connection
    it was lent for plain reads, and whose end costs nothing when it did nothing.

    Ending an ``AsyncSession`` hands its closing to a greenlet in a task of its own, even for a
    session that never touched the database; that was a tenth of a short search's time."""

    sync_session_class = _SyncSession

    def _idle(self) -> bool:
        sync = self.sync_session
        return (
            sync.get_transaction() is None
            and not sync.identity_map
            and not sync.new
            and not sync.deleted
        )

    def _give_back_and_close(self, lent: PoolProxiedConnection | None, close: bool) -> None:
        try:
            if lent is not None:
                lent.close()  # back to the pool, which closes it beyond its size
        finally:
            if close:
                self.sync_session.close()

    def _quietly_given_back(self, lent: PoolProxiedConnection) -> bool:
        """Whether ``lent`` goes back to the pool without a call to the driver's thread (an
        engine whose idle ends are skipped, no transaction to roll back, room in the pool to
        keep it): then it is given back here. ``LENT_POOL``: its pool, or None when the engine
        sends every end."""
        pool = self.sync_session.info.get(LENT_POOL)
        if not isinstance(pool, QueuePool) or pool.checkedin() >= pool.size():
            return False  # the pool would close it
        if _open_transaction(lent.dbapi_connection):
            return False
        lent.close()
        return True

    async def _end(self) -> None:
        """Give back the lent connection and close, as cheaply as the session allows."""
        lent: PoolProxiedConnection | None = self.sync_session.info.pop(LENT, None)
        close = not self._idle()
        if lent is not None and self._quietly_given_back(lent):
            lent = None
        if lent is not None or close:
            # in one greenlet (both may call the driver's thread), to its end even when the
            # request is cancelled meanwhile
            await asyncio.shield(greenlet_spawn(self._give_back_and_close, lent, close))

    async def close(self) -> None:
        if LENT in self.sync_session.info or not self._idle():
            await self._end()

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        if LENT in self.sync_session.info or not self._idle():
            await self._end()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, class_=Session)


def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """A session for a request that only reads (a search, a list): on SQLite its plain reads
    (``models.plain``) run on a pooled connection lent to it alone, without the transaction
    and connection objects that SQLAlchemy makes for a session's own connection (a quarter of
    a millisecond). Should it begin a transaction of its own (an ORM statement, a write), it
    gives the lent connection back first and reads in its transaction from then on, as any
    session does."""
    return sessions(info={READS_ONLY: True})

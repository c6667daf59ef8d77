"""SQLite runs in WAL mode with foreign keys on, a busy timeout and reads through a memory map,
and ends only the transactions it has open; a session that did nothing ends at no cost, and a
reading session's plain reads run on a connection lent to it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.db import SQLITE_BUSY_TIMEOUT_MS, create_engine, reading, session_factory
from models.plain import driver_connection, read_rows


@pytest.mark.sqlite_only
async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sessions) -> None:
    async with sessions() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        timeout = (await session.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert timeout == SQLITE_BUSY_TIMEOUT_MS
        assert (await session.execute(text("PRAGMA mmap_size"))).scalar_one() > 0


@pytest.mark.sqlite_only
@pytest.mark.parametrize("mebibytes", [0, 64])
async def test_sqlite_reads_through_a_memory_map_of_the_configured_size(
    settings, mebibytes
) -> None:
    engine = create_engine(settings=settings.model_copy(update={"SQLITE_MMAP_MB": mebibytes}))
    try:
        async with session_factory(engine)() as session:
            size = (await session.execute(text("PRAGMA mmap_size"))).scalar_one()
        assert size == mebibytes * 2**20
    finally:
        await engine.dispose()


@pytest.mark.sqlite_only
async def test_sqlite_sends_commits_and_rollbacks_only_for_an_open_transaction(
    sessions, monkeypatch
) -> None:
    """A session that only read ends without a round trip to aiosqlite's thread; one that
    wrote commits or rolls back as before, also when it is closed with its writes pending."""
    import aiosqlite

    sent: list[str] = []
    for name in ("commit", "rollback"):
        original = getattr(aiosqlite.Connection, name)

        async def counted(self, _name=name, _original=original):
            sent.append(_name)
            return await _original(self)

        monkeypatch.setattr(aiosqlite.Connection, name, counted)

    async with sessions() as session:
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
        await session.commit()
    sent.clear()
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one() == 0
    async with sessions.begin() as session:
        await session.execute(text("SELECT count(*) FROM notes"))
    assert sent == []

    async with sessions() as session:
        await session.execute(text("INSERT INTO notes VALUES ('kept')"))
        await session.commit()
    async with sessions() as session:
        await session.execute(text("INSERT INTO notes VALUES ('rolled back')"))
        await session.rollback()
    async with sessions() as session:  # closed with its insert pending
        await session.execute(text("INSERT INTO notes VALUES ('never committed')"))
    assert sent == ["commit", "rollback", "rollback"]
    async with sessions() as session:
        rows = (await session.execute(text("SELECT body FROM notes"))).scalars().all()
    assert rows == ["kept"]


def _checked_out(sessions) -> int:
    return sessions.kw["bind"].sync_engine.pool.checkedout()


async def test_a_session_that_did_nothing_ends_without_a_connection(sessions, monkeypatch):
    """Ending a session that never touched the database does no work, on both databases; a
    session that did still ends its transaction and gives its connection back."""
    from sqlalchemy.orm import Session as SyncSession

    closed: list[object] = []
    original = SyncSession.close
    monkeypatch.setattr(SyncSession, "close", lambda self: closed.append(self) or original(self))
    async with sessions():
        pass
    async with reading(sessions):
        pass
    assert closed == []
    async with sessions() as session:
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    assert len(closed) == 1
    assert _checked_out(sessions) == 0


async def test_a_reading_session_reads_on_a_lent_connection_until_it_begins(sessions) -> None:
    """On SQLite a reading session's plain reads run on a pooled connection lent to it, which
    it gives back at its end, without a transaction of its own; once it begins one (here by
    writing), it gives the lent connection back first, reads in its transaction and sees what
    it wrote. On PostgreSQL it is a session like any."""
    async with sessions() as session:
        await session.execute(text("CREATE TABLE notes (body TEXT)"))
        await session.execute(text("INSERT INTO notes VALUES ('kept')"))
        await session.commit()
    sqlite = sessions.kw["bind"].dialect.name == "sqlite"
    async with reading(sessions) as session:
        direct = await driver_connection(session)
        assert (direct is not None) == sqlite
        assert await read_rows(session, "SELECT body FROM notes") == [("kept",)]
        assert await driver_connection(session) is direct  # the same lent connection
        assert not session.in_transaction() or not sqlite
        assert _checked_out(sessions) == 1
        await session.execute(text("INSERT INTO notes VALUES ('pending')"))
        assert session.in_transaction()
        assert _checked_out(sessions) == 1  # the lent one given back
        rows = await read_rows(session, "SELECT body FROM notes ORDER BY body")
        assert rows == [("kept",), ("pending",)]
        await session.rollback()
        assert await read_rows(session, "SELECT body FROM notes") == [("kept",)]
    assert _checked_out(sessions) == 0
    async with reading(sessions) as session:  # an ORM read first: no connection lent
        assert (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one() == 1
        assert await read_rows(session, "SELECT count(*) FROM notes") == [(1,)]
        assert _checked_out(sessions) == 1
    assert _checked_out(sessions) == 0


async def test_reading_sessions_never_wait_for_a_second_connection(settings) -> None:
    """Reading sessions that begin transactions of their own, as many at once as the pool
    has connections, all finish: none holds its lent connection while waiting for another."""
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    from models.db import Session

    engine = create_async_engine(settings.DATABASE_URL, pool_size=2, max_overflow=0, pool_timeout=5)
    sessions = session_factory(engine)
    assert isinstance(sessions(), Session)
    started = asyncio.Barrier(2)

    async def read_then_begin() -> int:
        async with reading(sessions) as session:
            await read_rows(session, "SELECT 1")
            await started.wait()  # both hold a connection now
            return (await session.execute(text("SELECT 2"))).scalar_one()

    try:
        assert await asyncio.wait_for(asyncio.gather(read_then_begin(), read_then_begin()), 10) == [
            2,
            2,
        ]
    finally:
        await engine.dispose()


@pytest.mark.sqlite_only
async def test_a_session_finds_its_sqlite3_connection_again_for_each_transaction(
    sessions,
) -> None:
    """The sqlite3 connection a session's transaction reads on is found once per transaction
    and found again after it ends (another pooled connection may serve the next)."""
    async with sessions() as session:
        first = await driver_connection(session)
        assert first is not None and await driver_connection(session) is first
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        assert first is raw._connection
        await session.commit()
        async with sessions() as other:  # takes the pooled connection the first one gave back
            await driver_connection(other)
            second = await driver_connection(session)
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            assert second is raw._connection
            assert second is not await driver_connection(other)


async def test_reading_sessions_give_back_connections_beyond_the_pool_size(
    settings, sessions, caplog
) -> None:
    """Connections lent beyond the pool's size are closed when given back, which is a call to
    the driver's thread: many reading sessions at once all end, their connections given back
    (quietly where the pool keeps them) and closed without an error (the pool would log it
    and go on), with the site's engine and with one that sends every end."""
    import asyncio
    import logging

    from sqlalchemy.ext.asyncio import create_async_engine

    other = create_async_engine(settings.DATABASE_URL, pool_size=1, max_overflow=3)
    size = sessions.kw["bind"].sync_engine.pool.size()
    try:
        for factory, at_once in ((sessions, size + 3), (session_factory(other), 4)):
            together = asyncio.Barrier(at_once)

            async def read(factory=factory, together=together) -> list[tuple]:
                async with reading(factory) as session:
                    rows = await read_rows(session, "SELECT 1")
                    await together.wait()  # all lent at once, some beyond the pool's size
                    return rows

            found = await asyncio.wait_for(asyncio.gather(*(read() for _ in range(at_once))), 10)
            assert found == [[(1,)]] * at_once
            assert factory.kw["bind"].sync_engine.pool.checkedout() == 0
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    finally:
        await other.dispose()

"""SQLite runs in WAL mode with foreign keys on, a busy timeout and reads through a memory map,
and ends only the transactions it has open."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.db import SQLITE_BUSY_TIMEOUT_MS, create_engine, session_factory


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

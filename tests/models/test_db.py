"""SQLite runs in WAL mode with foreign keys on and a busy timeout."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.db import SQLITE_BUSY_TIMEOUT_MS


@pytest.mark.sqlite_only
async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sessions) -> None:
    async with sessions() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        timeout = (await session.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert timeout == SQLITE_BUSY_TIMEOUT_MS

"""The stored data version: one row that every change readers must see moves forward.

An ingest that changed papers or announcements, and an admin edit such as hiding a paper, add
one to it in their own transaction, so that the new version is visible exactly when their
changes are. Every web instance reads it (``web.cache``) and drops its cached pages when it
moved: a crawl on the scheduler's machine shows on every instance within seconds.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.schema import Base, UTCDateTime, utcnow

ROW_ID = 1


class DataVersion(Base):
    """The data version (a single row, ``id`` 1) and when it last moved."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


async def bump_data_version(session: AsyncSession) -> None:
    """Moves the data version forward, in the session's transaction.

    The row stays locked until the transaction ends, so that concurrent writers move it one
    after the other (on SQLite they are one after the other anyway)."""
    table = DataVersion.__table__
    result = await session.execute(
        update(table)
        .where(table.c.id == ROW_ID)
        .values(version=table.c.version + 1, changed_at=utcnow())
    )
    if not result.rowcount:  # a database copied without the row
        await session.execute(table.insert().values(id=ROW_ID, version=1, changed_at=utcnow()))


async def read_data_version(session: AsyncSession) -> int:
    """The stored data version (0 before the first change)."""
    table = DataVersion.__table__
    found = await session.scalar(select(table.c.version).where(table.c.id == ROW_ID))
    return int(found or 0)

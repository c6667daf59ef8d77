"""Leases in the database: at most one holder of a name at a time, until it lets go or
stops renewing. Each step is one conditional statement, so two processes racing for a lease
cannot both get it, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.ops import Lease

SCHEDULER_LEASE = "scheduler"


def job_lease(job: str) -> str:
    return f"job:{job}"


def new_holder() -> str:
    """A name for this process that no other process shares: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    name: str
    holder: str
    acquired_at: dt.datetime
    expires_at: dt.datetime

    def live(self, now: dt.datetime) -> bool:
        return self.expires_at > now


async def acquire(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    holder: str,
    ttl: dt.timedelta,
    now: dt.datetime,
) -> bool:
    """Take (or keep) the lease ``name`` until ``now + ttl``; False when another holds it."""
    expires = now + ttl
    async with sessions.begin() as session:
        taken = await session.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
            .values(holder=holder, renewed_at=now, expires_at=expires)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            return True
        inserted = await session.execute(
            _insert_ignore(session).values(
                name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=expires
            )
        )
        return inserted.rowcount == 1


async def renew(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    holder: str,
    ttl: dt.timedelta,
    now: dt.datetime,
) -> bool:
    """Extend a lease this holder still has; False when it was lost (it had run out and was
    taken by another)."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(renewed_at=now, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


async def release(sessions: async_sessionmaker[AsyncSession], name: str, holder: str) -> None:
    """Let go of the lease if this holder has it (nothing happens otherwise)."""
    async with sessions.begin() as session:
        await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def leases(session: AsyncSession) -> list[LeaseInfo]:
    rows = await session.execute(select(Lease).order_by(Lease.name))
    return [LeaseInfo(r.name, r.holder, r.acquired_at, r.expires_at) for r in rows.scalars()]


async def holder_of(session: AsyncSession, name: str, now: dt.datetime) -> LeaseInfo | None:
    """The live lease ``name``, or None when nobody holds it (or its holder's ran out)."""
    lease = await session.get(Lease, name)
    if lease is None or lease.expires_at <= now:
        return None
    return LeaseInfo(lease.name, lease.holder, lease.acquired_at, lease.expires_at)


def _insert_ignore(session: AsyncSession):
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Lease).on_conflict_do_nothing(index_elements=["name"])

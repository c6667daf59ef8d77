"""Summary generations claimed in the database, so that several instances of the site make
each summary once.

An instance that starts a generation inserts a claim for its key (insert-if-absent); the
others find it and follow the generation through the events the owner stores in the claim
with every heartbeat. A claim whose heartbeat is older than ``stale_after`` seconds belongs
to an instance that died: the next instance that asks takes it over (a compare-and-set on
the old owner and heartbeat). The model's concurrency limit is counted over the claims that
are generating, under a transaction-scoped advisory lock on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from models.instances import SummaryClaim
from summaries.events import Event
from summaries.store import SummaryKey

# Any constant: the advisory lock that orders instances counting generations.
GENERATION_LOCK = 0x636F6F6C


@dataclass(frozen=True, slots=True)
class Claim:
    owner: str
    generating: bool
    events: tuple[Event, ...]
    heartbeat_at: dt.datetime


def _of(key: SummaryKey) -> ColumnElement[bool]:
    return and_(
        SummaryClaim.paper_id == key.paper_id,
        SummaryClaim.version == key.version,
        SummaryClaim.language == key.language,
        SummaryClaim.model == key.model,
    )


def encode(events: list[Event]) -> list[dict]:
    return [{"type": event.type, "data": event.data} for event in events]


async def read(sessions: async_sessionmaker[AsyncSession], key: SummaryKey) -> Claim | None:
    async with sessions() as session:
        row = await session.scalar(select(SummaryClaim).where(_of(key)))
    if row is None:
        return None
    events = tuple(Event(item["type"], item.get("data") or {}) for item in row.events or ())
    return Claim(row.owner, row.generating, events, row.heartbeat_at)


async def take(
    sessions: async_sessionmaker[AsyncSession],
    key: SummaryKey,
    owner: str,
    now: dt.datetime,
    stale_after: float,
) -> Claim | None:
    """Claim ``key`` for ``owner`` if nobody holds it, or its holder stopped beating.

    Returns None when ``owner`` has it now, else the claim that stands."""
    try:
        async with sessions.begin() as session:
            session.add(
                SummaryClaim(
                    paper_id=key.paper_id,
                    version=key.version,
                    language=key.language,
                    model=key.model,
                    owner=owner,
                    generating=False,
                    events=[],
                    claimed_at=now,
                    heartbeat_at=now,
                )
            )
        return None
    except IntegrityError:
        pass
    held = await read(sessions, key)
    if held is None:  # released meanwhile: the summary is there, or the caller may ask again
        return Claim("", False, (), now)
    if held.owner == owner:
        return None
    if (now - held.heartbeat_at).total_seconds() <= stale_after:
        return held
    async with sessions.begin() as session:
        result = await session.execute(
            update(SummaryClaim)
            .where(
                _of(key),
                SummaryClaim.owner == held.owner,
                SummaryClaim.heartbeat_at == held.heartbeat_at,
            )
            .values(owner=owner, generating=False, events=[], claimed_at=now, heartbeat_at=now)
        )
    return None if result.rowcount == 1 else await read(sessions, key)


async def beat(
    sessions: async_sessionmaker[AsyncSession],
    key: SummaryKey,
    owner: str,
    events: list[Event],
    now: dt.datetime,
) -> bool:
    """Renew ``owner``'s claim and store the events so far; False if the claim was lost."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(SummaryClaim)
            .where(_of(key), SummaryClaim.owner == owner)
            .values(heartbeat_at=now, events=encode(events))
        )
    return result.rowcount == 1


async def release(sessions: async_sessionmaker[AsyncSession], key: SummaryKey, owner: str) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(SummaryClaim).where(_of(key), SummaryClaim.owner == owner))


async def start_generating(
    sessions: async_sessionmaker[AsyncSession],
    key: SummaryKey,
    owner: str,
    limit: int,
    now: dt.datetime,
    stale_after: float,
) -> bool:
    """Mark ``owner``'s claim as generating if fewer than ``limit`` live claims of all the
    instances are; False to wait and ask again."""
    fresh_since = now - dt.timedelta(seconds=stale_after)
    async with sessions.begin() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text(f"SELECT pg_advisory_xact_lock({GENERATION_LOCK})"))
        running = await session.scalar(
            select(func.count())
            .select_from(SummaryClaim)
            .where(SummaryClaim.generating, SummaryClaim.heartbeat_at >= fresh_since)
        )
        if (running or 0) >= limit:
            return False
        result = await session.execute(
            update(SummaryClaim)
            .where(_of(key), SummaryClaim.owner == owner)
            .values(generating=True, heartbeat_at=now)
        )
        return result.rowcount == 1

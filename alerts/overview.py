"""What operators see of alerts: subscriptions with masked addresses, counts, the last runs
and the latest failures (never an address in full)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from alerts.addresses import masked
from models.alerts import AlertDelivery, AlertRun, AlertSubscription


@dataclass(frozen=True, slots=True)
class Failure:
    address: str  # masked
    day: dt.date
    status: str
    error: str


@dataclass(frozen=True, slots=True)
class Overview:
    subscriptions: dict[str, int]  # by status
    deliveries: dict[str, int]  # by status
    runs: list[AlertRun]
    failures: list[Failure]


async def overview(session: AsyncSession, *, runs: int = 5, failures: int = 10) -> Overview:
    by_status = await session.execute(
        select(AlertSubscription.status, func.count()).group_by(AlertSubscription.status)
    )
    sends = await session.execute(
        select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
    )
    last_runs = await session.scalars(select(AlertRun).order_by(AlertRun.id.desc()).limit(runs))
    failed = await session.execute(
        select(
            AlertSubscription.email, AlertDelivery.day, AlertDelivery.status, AlertDelivery.error
        )
        .join(AlertSubscription, AlertSubscription.id == AlertDelivery.subscription_id)
        .where(AlertDelivery.status.in_(("failed", "bounced")))
        .order_by(AlertDelivery.updated_at.desc())
        .limit(failures)
    )
    return Overview(
        {status: n for status, n in by_status},
        {status: n for status, n in sends},
        list(last_runs),
        [Failure(masked(e), d, s, (err or "").replace(e, masked(e))) for e, d, s, err in failed],
    )


async def subscriptions(session: AsyncSession, limit: int = 1000) -> list[dict[str, object]]:
    rows = await session.scalars(
        select(AlertSubscription).order_by(AlertSubscription.id).limit(limit)
    )
    return [
        {
            "id": s.id,
            "address": masked(s.email),
            "status": s.status,
            "frequency": s.frequency,
            "follows": "; ".join(f"{f.kind} {f.value}" for f in s.follows),
            "created": s.created_at.date().isoformat(),
        }
        for s in rows
    ]

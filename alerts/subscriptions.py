"""Subscriptions without accounts: sign up (pending), confirm, pause, change, end.

A sign-up stores the address and the checked follows as a pending subscription and returns
its first management token (sent in the confirmation mail); nothing else is stored when the
input is refused. Sign-ups are counted per address and per client over a window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from alerts.addresses import AlertInputError, address_hash, checked_address, new_token, token_hash
from alerts.follows import Follow, resolve_follows
from models.alerts import AlertFollow, AlertSubscription, AlertToken

FREQUENCIES = ("daily", "weekly")


class TooManySignups(Exception):
    """The address or the client signed up too often within the window."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SignupLimits:
    per_window: int
    window: float


@dataclass(frozen=True, slots=True)
class Signup:
    subscription: AlertSubscription
    token: str
    follows: list[Follow]


def checked_frequency(value: object) -> str:
    if value in (None, ""):
        return "daily"
    if value not in FREQUENCIES:
        raise AlertInputError("frequency", "frequency: daily or weekly")
    return str(value)


async def _check_limits(
    session: AsyncSession, hashed: str, client: str, limits: SignupLimits, now: dt.datetime
) -> None:
    since = now - dt.timedelta(seconds=limits.window)
    for column, value, who in (
        (AlertSubscription.email_hash, hashed, "this address"),
        (AlertSubscription.client, client, "this client"),
    ):
        count = await session.scalar(
            select(func.count()).where(column == value, AlertSubscription.created_at >= since)
        )
        if (count or 0) >= limits.per_window:
            raise TooManySignups(
                f"too many sign-ups from {who}; try again later", retry_after=limits.window
            )


async def sign_up(
    session: AsyncSession,
    body: dict[str, object],
    *,
    client: str,
    limits: SignupLimits,
    now: dt.datetime,
) -> Signup:
    """A pending subscription for ``body`` (``email``, ``follow``, ``frequency``); raises
    AlertInputError or TooManySignups, storing nothing, when it cannot be made."""
    address = checked_address(body.get("email"))
    frequency = checked_frequency(body.get("frequency"))
    follows = await resolve_follows(session, body.get("follow"))
    hashed = address_hash(address)
    await _check_limits(session, hashed, client[:64], limits, now)
    subscription = AlertSubscription(
        email=address,
        email_hash=hashed,
        status="pending",
        frequency=frequency,
        client=client[:64],
        created_at=now,
    )
    subscription.follows = [
        AlertFollow(position=i, kind=f.kind, value=f.value, terms=list(f.terms))
        for i, f in enumerate(follows)
    ]
    session.add(subscription)
    await session.flush()
    token = await add_token(session, subscription.id, "manage", now)
    return Signup(subscription, token, follows)


async def add_token(
    session: AsyncSession, subscription_id: int, purpose: str, now: dt.datetime
) -> str:
    """A new secret link of ``purpose``; a new feed token ends the old ones."""
    if purpose == "feed":
        await session.execute(
            delete(AlertToken).where(
                AlertToken.subscription_id == subscription_id, AlertToken.purpose == "feed"
            )
        )
    token = new_token()
    session.add(
        AlertToken(
            token_hash=token_hash(token),
            subscription_id=subscription_id,
            purpose=purpose,
            created_at=now,
        )
    )
    return token


async def by_token(
    session: AsyncSession, token: str, purpose: str = "manage"
) -> AlertSubscription | None:
    if not token or len(token) > 100:
        return None
    return await session.scalar(
        select(AlertSubscription)
        .join(AlertToken, AlertToken.subscription_id == AlertSubscription.id)
        .where(AlertToken.token_hash == token_hash(token), AlertToken.purpose == purpose)
    )


async def confirm(session: AsyncSession, subscription: AlertSubscription, now: dt.datetime) -> None:
    if subscription.status == "pending":
        subscription.status = "active"
        subscription.confirmed_at = now


async def end(session: AsyncSession, subscription: AlertSubscription) -> None:
    """Delete the subscription with its address, follows, tokens and records."""
    await session.delete(subscription)

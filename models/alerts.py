"""The tables of alerts: subscriptions (an address, its secret tokens, what it follows) and
the record of every digest sent, so that a crash never sends twice nor skips anyone.

An address is kept only to send that subscription's mail and is deleted with it; the tokens of
the management links and of the private feed are stored as SHA-256 digests, never in clear.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.schema import Base, UTCDateTime, utcnow


class AlertSubscription(Base):
    """One reader's alerts: ``status`` is pending (until confirmed), active or paused."""

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    frequency: Mapped[str] = mapped_column(String(8), default="daily")
    client: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    follows: Mapped[list[AlertFollow]] = relationship(
        back_populates="subscription",
        order_by="AlertFollow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class AlertToken(Base):
    """A secret link of a subscription, stored as the SHA-256 of the token: ``manage`` (every
    mail carries a new one, each valid until the subscription ends) or ``feed`` (the private
    Atom feed; making a new one ends the old)."""

    __tablename__ = "alert_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertFollow(Base):
    """One thing a subscription follows: ``kind`` is query, author, category or venue;
    ``value`` is what the reader wrote, ``terms`` what it matches (the author's spellings,
    the categories of a merged list)."""

    __tablename__ = "alert_follows"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    terms: Mapped[list] = mapped_column(JSON, default=list)

    subscription: Mapped[AlertSubscription] = relationship(back_populates="follows")


class AlertDelivery(Base):
    """One mail to one subscription for one announcement day: claimed (``sending``) before
    it goes to the SMTP server, then ``sent``, ``bounced`` (refused for the recipient) or
    ``failed``; the Message-ID is fixed at the claim, so a mail sent again after a crash in
    between is the same message."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE")
    )
    day: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="sending")
    message_id: Mapped[str] = mapped_column(String(255))
    papers: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("subscription_id", "day", name="uq_alert_deliveries_subscription_day"),
        Index("ix_alert_deliveries_day_status", "day", "status"),
    )


class AlertRun(Base):
    """One run of the digest job over one announcement day, with its counts."""

    __tablename__ = "alert_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    n_sent: Mapped[int] = mapped_column(Integer, default=0)
    n_failed: Mapped[int] = mapped_column(Integer, default=0)
    n_without_matches: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

"""The tables of paper summaries: one FAQ per paper version, language and model, and the
count of model calls made each day (the daily budget)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.schema import Base, UTCDateTime, _enum, utcnow


class SummaryKind(enum.StrEnum):
    """Who wrote a summary: a language model, or the extractive summarizer (no model)."""

    MODEL = "model"
    EXTRACTIVE = "extractive"


class SummaryStatus(enum.StrEnum):
    """Only finished generations are stored: the ones in progress live in the server."""

    COMPLETE = "complete"
    FAILED = "failed"


class Summary(Base):
    """The FAQ of one paper version in one language by one model.

    ``faq`` is a list of ``{"question": ..., "answer": ...}`` in the order asked; it is
    empty unless the status is complete. A failed row keeps the error shown to readers.
    """

    __tablename__ = "summaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    model: Mapped[str] = mapped_column(String(255))
    kind: Mapped[SummaryKind] = mapped_column(_enum(SummaryKind, "summary_kind"))
    status: Mapped[SummaryStatus] = mapped_column(_enum(SummaryStatus, "summary_status"))
    faq: Mapped[list] = mapped_column(JSON, default=list)
    used_full_text: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("paper_id", "version", "language", "model", name="uq_summaries_key"),
    )


class ModelCallDay(Base):
    """How many model calls were made on one UTC day, against the daily budget."""

    __tablename__ = "model_call_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)

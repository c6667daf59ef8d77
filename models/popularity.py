"""The table of popularity: one row per paper, kind of event (a star, a FAQ opened, a PDF
clicked), day and browser, so that a browser counts at most once per paper, kind and day.

No personal data is kept: ``visitor`` is the SHA-256 of a random id the browser made and the
day, which neither names the browser nor links its days together.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.schema import Base

EVENT_KINDS = ("star", "faq", "pdf")


class PaperEvent(Base):
    """A paper starred, its FAQ opened or its PDF clicked, by one browser on one day."""

    __tablename__ = "paper_events"
    __table_args__ = (
        UniqueConstraint("paper_id", "kind", "day", "visitor", name="uq_paper_events_once"),
        Index("ix_paper_events_day_paper", "day", "paper_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    day: Mapped[dt.date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(64))

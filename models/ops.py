"""The tables of operations: leases that keep one scheduler (and one run of each job) at a
time, and the record of every scheduled or manual job run."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.schema import Base, UTCDateTime, _enum, utcnow


class Lease(Base):
    """A named lease: held by ``holder`` until ``expires_at`` unless renewed before.

    A holder that dies stops renewing, so its lease runs out and another may take it.
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    renewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class JobRunStatus(enum.StrEnum):
    """How one attempt of a job ended (``running`` while it runs)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"  # nothing to do, e.g. no announcement on a holiday
    NOT_READY = "not-ready"  # e.g. the feed does not show the day yet: tried again later
    FAILED = "failed"
    GAVE_UP = "gave-up"  # not ready or failing until the end of its retry window
    INTERRUPTED = "interrupted"  # abandoned at shutdown, or its process died


class JobRun(Base):
    """One attempt of one job: when it was due, when it ran, how it ended."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")  # or manual, after
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[JobRunStatus] = mapped_column(
        _enum(JobRunStatus, "job_run_status"), default=JobRunStatus.RUNNING
    )
    holder: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str | None] = mapped_column(Text)
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_job_runs_job_started", "job", "started_at"),
        Index("ix_job_runs_status", "status"),
    )

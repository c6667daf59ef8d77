"""What operators see of full texts: rows by status and source, the bytes they take, the
latest failures (for ``coolpapers fulltext status``, ``coolpapers stats`` and ``/admin``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from models.fulltext import PaperFullText


@dataclass(frozen=True, slots=True)
class Failure:
    paper_id: str
    version: int
    status: str
    reason: str | None
    fetched_at: dt.datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class FullTextCounts:
    by_status: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)  # of the ok rows
    bytes_stored: int = 0
    failures: tuple[Failure, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def to_json(self) -> dict[str, object]:
        return {
            "by_status": self.by_status,
            "by_source": self.by_source,
            "bytes_stored": self.bytes_stored,
            "recent_failures": [
                {
                    "id": f.paper_id,
                    "version": f.version,
                    "status": f.status,
                    "reason": f.reason,
                    "fetched_at": f.fetched_at.isoformat(),
                    "attempts": f.attempts,
                }
                for f in self.failures
            ],
        }


async def fulltext_counts(session: AsyncSession, failures: int = 10) -> FullTextCounts | None:
    """The counts, or None when the database has no full-text table (an older schema)."""
    try:
        statuses = (
            await session.execute(
                select(PaperFullText.status, func.count()).group_by(PaperFullText.status)
            )
        ).all()
    except OperationalError:
        return None
    sources = (
        await session.execute(
            select(PaperFullText.source, func.count())
            .where(PaperFullText.status == "ok")
            .group_by(PaperFullText.source)
        )
    ).all()
    stored = (await session.execute(select(func.sum(PaperFullText.bytes_stored)))).scalar()
    rows = (
        await session.execute(
            select(PaperFullText)
            .where(PaperFullText.status.in_(["failed", "too_large", "none"]))
            .order_by(PaperFullText.fetched_at.desc())
            .limit(failures)
        )
    ).scalars()
    return FullTextCounts(
        by_status={status: n for status, n in statuses},
        by_source={source or "": n for source, n in sources},
        bytes_stored=stored or 0,
        failures=tuple(
            Failure(r.paper_id, r.version, r.status, r.reason, r.fetched_at, r.attempts)
            for r in rows
        ),
    )

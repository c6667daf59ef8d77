"""Summaries in the database: the cache is keyed by paper version, language and model.

A complete summary is never overwritten by a failure: when regenerating fails, the summary
that was there stays. Reads return ``StoredSummary`` values, detached from any session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.schema import Announcement, Paper
from models.summary import Summary, SummaryKind, SummaryStatus
from retry import is_sqlite_locked, retry, sqlite_policy
from summaries.faq import QA, PaperText


@dataclass(frozen=True, slots=True)
class SummaryKey:
    paper_id: str
    version: int
    language: str
    model: str


@dataclass(frozen=True, slots=True)
class StoredSummary:
    key: SummaryKey
    kind: SummaryKind
    status: SummaryStatus
    faq: tuple[QA, ...]
    used_full_text: bool
    error: str | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Summary) -> StoredSummary:
        return cls(
            key=SummaryKey(row.paper_id, row.version, row.language, row.model),
            kind=SummaryKind(row.kind),
            status=SummaryStatus(row.status),
            faq=tuple(QA(item["question"], item["answer"]) for item in row.faq or ()),
            used_full_text=row.used_full_text,
            error=row.error,
            created_at=row.created_at,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "paper": self.key.paper_id,
            "version": self.key.version,
            "language": self.key.language,
            "model": self.key.model,
            "kind": self.kind.value,
            "status": self.status.value,
            "faq": [qa.as_dict() for qa in self.faq],
            "used_full_text": self.used_full_text,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True, slots=True)
class PaperRow:
    text: PaperText
    hidden: bool


async def load_paper(session: AsyncSession, paper_id: str) -> PaperRow | None:
    row = (
        await session.execute(
            select(Paper.id, Paper.version, Paper.title, Paper.abstract, Paper.hidden).where(
                Paper.id == paper_id
            )
        )
    ).one_or_none()
    if row is None:
        return None
    return PaperRow(PaperText(row.id, row.version, row.title, row.abstract or ""), row.hidden)


async def summary_at(session: AsyncSession, key: SummaryKey) -> StoredSummary | None:
    row = await session.scalar(
        select(Summary).where(
            Summary.paper_id == key.paper_id,
            Summary.version == key.version,
            Summary.language == key.language,
            Summary.model == key.model,
        )
    )
    return StoredSummary.from_row(row) if row is not None else None


async def summaries_of(session: AsyncSession, paper_id: str, language: str) -> list[StoredSummary]:
    """Every stored summary of a paper in ``language``: its versions, models and failures."""
    found = await session.scalars(
        select(Summary).where(Summary.paper_id == paper_id, Summary.language == language)
    )
    return [StoredSummary.from_row(row) for row in found]


def best_summary(summaries: list[StoredSummary], key: SummaryKey) -> StoredSummary | None:
    """The complete summary to show for ``key``: that one if stored, else the same version
    by another model (a model's before the extractive one), else the latest older version."""
    candidates = [
        s for s in summaries if s.status == SummaryStatus.COMPLETE and s.key.version <= key.version
    ]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda s: (
            s.key.version,
            s.key.model == key.model,
            s.kind == SummaryKind.MODEL,
            s.created_at,
        ),
    )


def _locked_or_raced(exc: BaseException) -> bool:
    # IntegrityError: another writer stored the same key first; the next try updates it.
    return is_sqlite_locked(exc) or isinstance(exc, IntegrityError)


@retry(sqlite_policy.replace(retry_on=_locked_or_raced))
async def save(
    sessions: async_sessionmaker[AsyncSession],
    key: SummaryKey,
    *,
    kind: SummaryKind,
    status: SummaryStatus,
    faq: list[QA] | tuple[QA, ...] = (),
    used_full_text: bool = False,
    error: str | None = None,
    now: dt.datetime,
) -> StoredSummary | None:
    """Store a finished generation; a failure leaves a complete summary of ``key`` alone.

    Returns what is stored for ``key`` afterwards.
    """
    async with sessions.begin() as session:
        row = await session.scalar(
            select(Summary).where(
                Summary.paper_id == key.paper_id,
                Summary.version == key.version,
                Summary.language == key.language,
                Summary.model == key.model,
            )
        )
        if row is not None and row.status == SummaryStatus.COMPLETE and status != row.status:
            return StoredSummary.from_row(row)
        if row is None:
            row = Summary(
                paper_id=key.paper_id,
                version=key.version,
                language=key.language,
                model=key.model,
            )
            session.add(row)
        row.kind = kind
        row.status = status
        row.faq = [qa.as_dict() for qa in faq] if status == SummaryStatus.COMPLETE else []
        row.used_full_text = used_full_text
        row.error = error
        row.created_at = now
        await session.flush()
        return StoredSummary.from_row(row)


async def announced_on(session: AsyncSession, paper_id: str, day: dt.date) -> bool:
    found = await session.scalar(
        select(Announcement.id)
        .where(Announcement.paper_id == paper_id, Announcement.announced_on == day)
        .limit(1)
    )
    return found is not None

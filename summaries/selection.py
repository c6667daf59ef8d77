"""Which papers to summarize ahead of readers: by day and category, newest first, skipping
those whose current version already has a complete summary by the model."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.schema import Announcement, Paper, PaperCategory
from models.summary import Summary, SummaryStatus


async def papers_to_summarize(
    session: AsyncSession,
    *,
    language: str,
    model: str,
    day: dt.date | None = None,
    category: str | None = None,
    limit: int | None = None,
) -> list[str]:
    """Ids of visible papers lacking a complete ``language`` summary by ``model``.

    ``day``: papers announced that day, or first published that day. ``category``: papers
    listed in it (primary or cross-listed).
    """
    cached = exists().where(
        Summary.paper_id == Paper.id,
        Summary.version == Paper.version,
        Summary.language == language,
        Summary.model == model,
        Summary.status == SummaryStatus.COMPLETE,
    )
    statement = select(Paper.id).where(Paper.hidden.is_(False), ~cached)
    if category is not None:
        statement = statement.where(
            Paper.id.in_(select(PaperCategory.paper_id).where(PaperCategory.category == category))
        )
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)  # published is UTC
        announced = select(Announcement.paper_id).where(Announcement.announced_on == day)
        if category is not None:
            announced = announced.where(Announcement.category == category)
        statement = statement.where(
            or_(
                Paper.id.in_(announced),
                and_(Paper.published >= start, Paper.published < start + dt.timedelta(days=1)),
            )
        )
    statement = statement.order_by(Paper.published.desc().nulls_last(), Paper.id)
    if limit is not None:
        statement = statement.limit(limit)
    return list((await session.scalars(statement)).all())

"""Coverage reconciliation: does the database hold every paper a daily feed announced?

After a daily crawl, the papers the feed listed are counted per category and compared with
the announcements the database holds for that category and day. Each difference is a gap:
it is recorded in the crawl run (``CrawlRun.gaps``), its papers are fetched again through
the search API with the feed's announcement attached, and what is still missing after that
is recorded too. The recorded JSON is::

    {"day": "2026-01-05", "checked_at": "...Z",
     "categories": {"cs.CL": {"announced": 120, "stored": 117,
                              "missing": ["2601.00012", ...]}},
     "refetched": 3, "still_missing": []}

``categories`` holds only the categories with a gap; it is empty when coverage is complete.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks, ingest
from crawler.records import PaperRecord
from models.schema import Announcement, CrawlRun

# Fetches the records of these arXiv ids (the search API's id_list).
FetchIds = Callable[[list[str]], Awaitable[list[PaperRecord]]]

MAX_MISSING_LISTED = 200  # per category, in the recorded JSON


def in_category(category: str, wanted: str) -> bool:
    """``cs.CL`` is in ``cs.CL`` and in the archive ``cs``."""
    return category == wanted or category.startswith(wanted + ".")


@dataclass(frozen=True, slots=True)
class Listing:
    """What one feed announced on ``day``: per category, the ids and their feed records."""

    day: dt.date
    by_category: dict[str, set[str]]
    records: dict[str, PaperRecord]

    def counts(self) -> dict[str, int]:
        return {category: len(ids) for category, ids in sorted(self.by_category.items())}


def listing_of(records: Iterable[PaperRecord], categories: Sequence[str], day: dt.date) -> Listing:
    """The feed's announcements of ``day`` in ``categories`` (the crawled ones), by category.

    A paper counts in every crawled category it belongs to, as the category feeds list it.
    """
    by_category: dict[str, set[str]] = {c: set() for c in categories}
    kept: dict[str, PaperRecord] = {}
    for record in records:
        if record.announcement is None or record.announcement.announced_on != day:
            continue
        paper_categories = record.categories or (
            (record.primary_category,) if record.primary_category else ()
        )
        for wanted in categories:
            if any(in_category(c, wanted) for c in paper_categories):
                by_category[wanted].add(record.arxiv_id)
                kept[record.arxiv_id] = record
    return Listing(day, by_category, kept)


async def stored_listing(
    session: AsyncSession, day: dt.date, categories: Sequence[str]
) -> dict[str, set[str]]:
    """The ids the database holds as announced on ``day``, per crawled category."""
    rows = await session.execute(
        select(Announcement.category, Announcement.paper_id).where(Announcement.announced_on == day)
    )
    stored: dict[str, set[str]] = {c: set() for c in categories}
    for category, paper_id in rows:
        for wanted in categories:
            if in_category(category, wanted):
                stored[wanted].add(paper_id)
    return stored


@dataclass(frozen=True, slots=True)
class CategoryGap:
    category: str
    announced: int
    stored: int
    missing: tuple[str, ...]


def find_gaps(listing: Listing, stored: dict[str, set[str]]) -> list[CategoryGap]:
    """The categories where papers the feed announced are not stored for its day."""
    gaps = []
    for category, announced in sorted(listing.by_category.items()):
        held = stored.get(category, set())
        missing = tuple(sorted(announced - held))
        if missing:
            gaps.append(CategoryGap(category, len(announced), len(announced & held), missing))
    return gaps


@dataclass(slots=True)
class Reconciliation:
    day: dt.date
    gaps: list[CategoryGap]
    refetched: int = 0
    still_missing: list[str] = field(default_factory=list)
    counts: IngestCounts = field(default_factory=IngestCounts)

    @property
    def missing(self) -> list[str]:
        return sorted({paper for gap in self.gaps for paper in gap.missing})

    def as_json(self, checked_at: dt.datetime) -> dict:
        return {
            "day": self.day.isoformat(),
            "checked_at": checked_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "categories": {
                gap.category: {
                    "announced": gap.announced,
                    "stored": gap.stored,
                    "missing": list(gap.missing[:MAX_MISSING_LISTED]),
                }
                for gap in self.gaps
            },
            "refetched": self.refetched,
            "still_missing": self.still_missing[: MAX_MISSING_LISTED * 5],
        }

    def summary(self) -> str:
        if not self.gaps:
            return "complete"
        parts = [f"{g.category} {g.stored}/{g.announced}" for g in self.gaps]
        text = f"gaps {', '.join(parts)}; refetched {self.refetched}"
        if self.still_missing:
            text += f"; still missing {len(self.still_missing)}"
        return text


async def reconcile(
    sessions: async_sessionmaker[AsyncSession],
    listing: Listing,
    *,
    fetch_ids: FetchIds | None = None,
    crawl_run_id: int | None = None,
    hooks: IngestHooks = NO_HOOKS,
) -> Reconciliation:
    """Compare ``listing`` with the database, re-fetch the missing papers (when
    ``fetch_ids`` is given) and record the outcome in the crawl run ``crawl_run_id``."""
    categories = sorted(listing.by_category)
    async with sessions() as session:
        stored = await stored_listing(session, listing.day, categories)
    result = Reconciliation(listing.day, find_gaps(listing, stored))
    missing = result.missing
    if missing and fetch_ids is not None:
        fetched = await fetch_ids(missing)
        announced = [_announced_as_in_feed(r, listing) for r in fetched if r.arxiv_id in missing]
        async with sessions.begin() as session:
            result.counts = await ingest(session, announced, crawl_run_id=crawl_run_id, hooks=hooks)
        result.refetched = len({r.arxiv_id for r in announced})
        async with sessions() as session:
            stored = await stored_listing(session, listing.day, categories)
        result.still_missing = sorted(
            {paper for gap in find_gaps(listing, stored) for paper in gap.missing}
        )
    else:
        result.still_missing = missing
    if crawl_run_id is not None:
        await record_gaps(sessions, crawl_run_id, result)
    return result


def _announced_as_in_feed(record: PaperRecord, listing: Listing) -> PaperRecord:
    """The fetched record, announced as the feed announced it (the API does not say)."""
    in_feed = listing.records.get(record.arxiv_id)
    if in_feed is None or in_feed.announcement is None:
        return record
    return dataclasses.replace(record, announcement=in_feed.announcement)


async def record_gaps(
    sessions: async_sessionmaker[AsyncSession], crawl_run_id: int, result: Reconciliation
) -> None:
    async with sessions.begin() as session:
        run = await session.get(CrawlRun, crawl_run_id)
        if run is None:
            return
        # Beside what the crawl itself noted there (records it skipped, ids it missed).
        run.gaps = {**(run.gaps or {}), **result.as_json(dt.datetime.now(dt.UTC))}


@dataclass(frozen=True, slots=True)
class RecordedGap:
    """A gap as a crawl run recorded it, for ``stats`` and the admin page."""

    crawl_run_id: int
    started_at: dt.datetime
    day: str
    category: str
    announced: int
    stored: int
    missing: int
    still_missing: int


async def recorded_gaps(session: AsyncSession, limit: int = 50) -> list[RecordedGap]:
    """The gaps recorded by the latest crawl runs, newest first."""
    runs = await session.execute(
        select(CrawlRun)
        .where(CrawlRun.gaps.is_not(None))
        .order_by(CrawlRun.started_at.desc())
        .limit(limit)
    )
    found = []
    for run in runs.scalars():
        data = run.gaps or {}
        still = set(data.get("still_missing") or ())
        for category, gap in sorted((data.get("categories") or {}).items()):
            missing = gap.get("missing") or []
            found.append(
                RecordedGap(
                    crawl_run_id=run.id,
                    started_at=run.started_at,
                    day=str(data.get("day", "")),
                    category=category,
                    announced=int(gap.get("announced", 0)),
                    stored=int(gap.get("stored", 0)),
                    missing=len(missing),
                    still_missing=len(still.intersection(missing)),
                )
            )
    return found

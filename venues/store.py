"""Venue papers in the database: written through the crawler's ingest, read for the site.

``store`` upserts one source's papers and volumes in the caller's transaction: a paper whose
record is unchanged (same ``digest``) is left alone, a changed one replaces its fields. Then
each paper without an arXiv link is matched against arXiv's papers (``link_arxiv``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks, ingest
from crawler.records import AuthorRecord, PaperRecord
from models.schema import Author, Paper, PaperAuthor, VenuePaper, VenueVolume
from venues.names import category_of, field_of
from venues.records import VenuePaperRecord, VolumeRecord
from venues.text import surname_keys, title_key, versions_agree


def digest(record: VenuePaperRecord) -> str:
    data = asdict(record)
    data.pop("position")
    data["published"] = record.published.isoformat() if record.published else None
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def paper_record(record: VenuePaperRecord, version: int) -> PaperRecord:
    category = category_of(record.venue)
    return PaperRecord(
        arxiv_id=record.id,
        version=version,
        title=record.title,
        abstract=record.abstract,
        authors=tuple(AuthorRecord(a.name, a.affiliation) for a in record.authors),
        primary_category=category,
        categories=(category,),
        published=record.published,
        updated=record.published,
        doi=record.doi,
    )


def venue_row(record: VenuePaperRecord, stamp: str, run_id: int | None) -> dict[str, object]:
    extra = dict(record.extra)
    variants = {a.name: a.variant for a in record.authors if a.variant}
    if variants:
        extra["author_variants"] = variants
    return {
        "paper_id": record.id,
        "source": record.source,
        "key": record.key,
        "venue": record.venue,
        "track": record.track,
        "decision": record.decision,
        "pages": record.pages,
        "position": record.position,
        "pdf_url": record.pdf_url,
        "landing_url": record.landing_url,
        "keywords": list(record.keywords),
        "tldr": record.tldr,
        "code_links": list(record.code_links),
        "extra": extra,
        "digest": stamp,
        "crawl_run_id": run_id,
        # The source's own arXiv link (CVF gives one); otherwise matched by ``link_arxiv``.
        "arxiv_id": str(record.extra["arxiv"]) if record.extra.get("arxiv") else None,
    }


async def store(
    session: AsyncSession,
    papers: Sequence[VenuePaperRecord],
    volumes: Sequence[VolumeRecord] = (),
    *,
    run_id: int | None = None,
    hooks: IngestHooks = NO_HOOKS,
) -> IngestCounts:
    """Write ``papers`` and ``volumes`` in the caller's transaction; returns the counts."""
    counts = IngestCounts()
    ids = [r.id for r in papers]
    stored: dict[str, tuple[str, int]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await session.execute(
            select(VenuePaper.paper_id, VenuePaper.digest, Paper.version)
            .join(Paper, Paper.id == VenuePaper.paper_id)
            .where(VenuePaper.paper_id.in_(chunk))
        )
        stored.update({pid: (stamp, version) for pid, stamp, version in rows})
    changed: list[tuple[VenuePaperRecord, str, int]] = []
    for record in papers:
        stamp = digest(record)
        before = stored.get(record.id)
        if before is None:
            changed.append((record, stamp, 1))
        elif before[0] != stamp:
            changed.append((record, stamp, before[1] + 1))
        else:
            counts.unchanged += 1
    if changed:
        written = await ingest(
            session, [paper_record(r, v) for r, _, v in changed], crawl_run_id=run_id, hooks=hooks
        )
        counts.new += written.new
        counts.updated += written.updated
        counts.unchanged += written.unchanged
        replaced = [r.id for r, _, _ in changed if r.id in stored]
        for start in range(0, len(replaced), 500):
            await session.execute(
                delete(VenuePaper).where(VenuePaper.paper_id.in_(replaced[start : start + 500]))
            )
        rows = [venue_row(r, s, run_id) for r, s, _ in changed]
        for start in range(0, len(rows), 500):
            await session.execute(VenuePaper.__table__.insert(), rows[start : start + 500])
    now = dt.datetime.now(dt.UTC)
    for volume in volumes:
        await session.merge(
            VenueVolume(
                id=volume.id,
                venue=volume.venue,
                source=volume.source,
                title=volume.title,
                editors=list(volume.editors),
                front_matter=[asdict(f) for f in volume.front_matter],
                updated_at=now,
            )
        )
    await link_arxiv(session, [r.id for r, _, _ in changed])
    return counts


def _sql_title(column):
    """A title lowered with its line breaks and doubled spaces as single spaces (in SQL)."""
    text = func.lower(column)
    for old in ("\n", "\r", "\t"):
        text = func.replace(text, old, " ")
    for _ in range(3):
        text = func.replace(text, "  ", " ")
    return func.trim(text)


async def link_arxiv(session: AsyncSession, paper_ids: Sequence[str]) -> int:
    """Link the venue papers among ``paper_ids`` to the arXiv paper of the same normalised
    title with an author surname in common; returns how many were linked."""
    if not paper_ids:
        return 0
    linked = 0
    for start in range(0, len(paper_ids), 500):
        chunk = list(paper_ids[start : start + 500])
        venue_papers = (
            await session.scalars(
                select(Paper)
                .where(Paper.id.in_(chunk))
                .options(selectinload(Paper.authors).joinedload(PaperAuthor.author))
            )
        ).all()
        by_title: dict[str, list[Paper]] = {}
        for paper in venue_papers:
            by_title.setdefault(" ".join(paper.title.lower().split()), []).append(paper)
        candidates = (
            await session.scalars(
                select(Paper)
                .where(
                    _sql_title(Paper.title).in_(list(by_title)),
                    Paper.id.not_like("%:%"),
                    Paper.hidden.is_(False),
                )
                .options(selectinload(Paper.authors).joinedload(PaperAuthor.author))
            )
        ).all()
        for candidate in candidates:
            key = title_key(candidate.title)
            names = surname_keys([a.name for a in candidate.authors])
            for papers in by_title.values():
                for paper in papers:
                    if title_key(paper.title) != key:
                        continue
                    if not names & surname_keys([a.name for a in paper.authors]):
                        continue
                    row = await session.get(VenuePaper, paper.id)
                    if row is not None and row.arxiv_id != candidate.id:
                        row.arxiv_id = candidate.id
                        linked += 1
    await session.flush()
    return linked


# Reading, for the site and the API.


@dataclass(frozen=True, slots=True)
class VenueCount:
    venue: str
    name: str
    year: int
    field: str
    papers: int


async def venue_counts(session: AsyncSession) -> list[VenueCount]:
    """Every venue with papers, by field, then name, newest year first."""
    rows = await session.execute(
        select(VenuePaper.venue, func.count())
        .join(Paper, Paper.id == VenuePaper.paper_id)
        .where(Paper.hidden.is_(False))
        .group_by(VenuePaper.venue)
    )
    counts = []
    for venue, n in rows:
        name, _, year = venue.rpartition(".")
        counts.append(VenueCount(venue, name, int(year), field_of(venue), n))
    return sorted(counts, key=lambda c: (c.field, c.name.lower(), -c.year))


@dataclass(frozen=True, slots=True)
class VenueEntry:
    paper: Paper
    venue: VenuePaper


async def venue_papers(
    session: AsyncSession,
    venue: str,
    *,
    track: str | None = None,
    decision: str | None = None,
    arxiv: str | None = None,
) -> list[VenueEntry]:
    """The visible papers of ``venue`` in the proceedings' order, with their authors; with
    ``arxiv`` ``only`` just those linked to an arXiv paper, with ``hide`` just the others."""
    statement = (
        select(Paper, VenuePaper)
        .join(VenuePaper, VenuePaper.paper_id == Paper.id)
        .where(VenuePaper.venue == venue, Paper.hidden.is_(False))
        .options(selectinload(Paper.authors).joinedload(PaperAuthor.author))
        .order_by(VenuePaper.track, VenuePaper.position, VenuePaper.paper_id)
    )
    if track:
        statement = statement.where(VenuePaper.track == track)
    if decision:
        statement = statement.where(VenuePaper.decision == decision)
    if arxiv == "only":
        statement = statement.where(VenuePaper.arxiv_id.is_not(None))
    elif arxiv == "hide":
        statement = statement.where(VenuePaper.arxiv_id.is_(None))
    return [VenueEntry(p, v) for p, v in (await session.execute(statement)).all()]


async def venue_facets(session: AsyncSession, venue: str) -> tuple[list[str], list[str]]:
    """The tracks and the decisions of ``venue``'s papers."""
    rows = (
        await session.execute(
            select(VenuePaper.track, VenuePaper.decision)
            .where(VenuePaper.venue == venue)
            .distinct()
        )
    ).all()
    tracks = sorted({t for t, _ in rows if t})
    decisions = sorted({d for _, d in rows if d})
    return tracks, decisions


async def venue_volumes(session: AsyncSession, venue: str) -> list[VenueVolume]:
    rows = await session.scalars(
        select(VenueVolume).where(VenueVolume.venue == venue).order_by(VenueVolume.id)
    )
    return list(rows)


async def venue_paper(session: AsyncSession, paper_id: str) -> VenuePaper | None:
    return await session.get(VenuePaper, paper_id)


async def venues_of_arxiv(session: AsyncSession, arxiv_id: str) -> list[VenuePaper]:
    """The venue papers linked to the arXiv paper ``arxiv_id``."""
    rows = await session.scalars(
        select(VenuePaper).where(VenuePaper.arxiv_id == arxiv_id).order_by(VenuePaper.venue)
    )
    return list(rows)


async def agreeing_twin(session: AsyncSession, paper_id: str) -> str | None:
    """The arXiv paper linked to the venue paper ``paper_id`` when the two versions agree
    (``versions_agree``), so that one summary serves both; else None."""
    row = await session.get(VenuePaper, paper_id)
    if row is None or row.arxiv_id is None:
        return None
    venue = await session.get(Paper, paper_id)
    twin = await session.get(Paper, row.arxiv_id)
    if venue is None or twin is None or twin.hidden:
        return None
    return twin.id if versions_agree(venue.abstract, twin.abstract) else None


async def author_names(session: AsyncSession, paper_id: str) -> list[str]:
    rows = await session.scalars(
        select(Author.name)
        .join(PaperAuthor, PaperAuthor.author_id == Author.id)
        .where(PaperAuthor.paper_id == paper_id)
        .order_by(PaperAuthor.position)
    )
    return list(rows)

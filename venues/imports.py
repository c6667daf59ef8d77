"""Importing venue sources from disk: ACL Anthology collection files and PMLR volume folders.

Each file or folder is read whole, then written in its own transaction: a malformed one is
refused with its reason and writes nothing, and the others are imported. A paper whose key
another source of the same import already gave is left out and named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.imports import ImportFailed, read_file
from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks
from crawler.runs import recorded_run
from venues.acl import looks_like_anthology, parse_anthology
from venues.pmlr import is_pmlr_volume, parse_volume
from venues.records import ParsedVenue, VenueError
from venues.store import store


def is_venue_source(path: Path) -> bool:
    """Whether ``path`` is an ACL Anthology collection file or a PMLR volume folder."""
    if path.is_dir():
        return is_pmlr_volume(path)
    try:
        with path.open("rb") as handle:
            return looks_like_anthology(handle.read(2048))
    except OSError:
        return False


def parse_source(path: Path) -> ParsedVenue:
    """The venue papers of ``path``; ``VenueError`` when it cannot be read at all."""
    if path.is_dir():
        return parse_volume(path)
    try:
        data = read_file(path)
    except ImportFailed as exc:
        raise VenueError(str(exc)) from None
    return parse_anthology(data, str(path))


@dataclass(slots=True)
class SourceResult:
    path: Path
    kind: str
    counts: IngestCounts
    papers: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None  # the source was refused; nothing of it was written


@dataclass(slots=True)
class VenueImport:
    run_id: int
    sources: list[SourceResult] = field(default_factory=list)
    counts: IngestCounts = field(default_factory=IngestCounts)

    @property
    def failed(self) -> list[SourceResult]:
        return [s for s in self.sources if s.error]


async def import_venues(
    sessions: async_sessionmaker[AsyncSession], paths: list[Path], *, hooks: IngestHooks = NO_HOOKS
) -> VenueImport:
    """Import every source, each in its own transaction, recorded as one crawl run."""
    parameters = {"sources": [str(p) for p in paths]}
    seen: set[str] = set()
    async with recorded_run(sessions, "venue-import", parameters, hooks=hooks) as run:
        result = VenueImport(run.run_id)
        for path in paths:
            try:
                parsed = parse_source(path)
            except VenueError as exc:
                result.sources.append(SourceResult(path, "?", IngestCounts(), error=str(exc)))
                run.counts.failed += 1
                continue
            unique = []
            for paper in parsed.papers:
                if paper.id in seen:
                    parsed.problems.append(
                        f"{path}: {paper.id} was already given by another source; left out"
                    )
                    parsed.skipped += 1
                    continue
                seen.add(paper.id)
                unique.append(paper)
            async with sessions.begin() as session:
                counts = await store(
                    session, unique, parsed.volumes, run_id=run.run_id, hooks=hooks
                )
            counts.failed += parsed.skipped
            run.counts.add(counts)
            result.sources.append(
                SourceResult(path, parsed.kind, counts, len(unique), parsed.problems)
            )
        if result.failed:
            run.gaps["refused"] = [f"{s.path}: {s.error}" for s in result.failed][:50]
        problems = [p for s in result.sources for p in s.problems]
        if problems:
            run.gaps["problems"] = problems[:50]
        result.counts = run.counts
    return result

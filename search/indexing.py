"""Keeping the index in step with the papers: on every ingest, by rebuild, and checking it.

The index exists on SQLite only (see ``search.storage``); on other databases these functions do
nothing and searches find nothing, until a backend for them is written.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.schema import Paper
from models.settings import get_settings
from search import storage
from search.analysis import Analyzer
from search.documents import PaperText, modification_stamps, paper_id_batches, paper_texts
from search.segments import AnalyzedPaper, Vocabulary, analyze
from tokenizer import Tokenizer, default_tokenizer

log = logging.getLogger(__name__)

REBUILD_BATCH = 1000
SEGMENT_PAPERS = 100_000


def configured_tokenizer() -> Tokenizer:
    """The tokenizer of the TOKENIZER_MODEL setting, or the shipped one when it is empty."""
    path = get_settings().TOKENIZER_MODEL
    return Tokenizer(path) if path else default_tokenizer()


_shared_analyzer = Analyzer(load=configured_tokenizer)
_warned_dialects: set[str] = set()


def shared_analyzer() -> Analyzer:
    """The analyzer with the shipped tokenizer that indexing and searching use by default."""
    return _shared_analyzer


def supports_index(session: AsyncSession) -> bool:
    """Whether the session's database holds a search index (SQLite, for now)."""
    dialect = session.bind.dialect.name
    if dialect == "sqlite":
        return True
    if dialect not in _warned_dialects:
        _warned_dialects.add(dialect)
        log.warning("full-text search is not available on %s yet: not indexing", dialect)
    return False


async def index_papers(
    session: AsyncSession, paper_ids: Sequence[str], analyzer: Analyzer | None = None
) -> None:
    """Bring the index up to date for these papers, in the session's transaction.

    Visible papers are (re)indexed, hidden or deleted ones leave the index; call it after
    hiding a paper as well.
    """
    if not paper_ids or not supports_index(session):
        return
    texts = await paper_texts(session, paper_ids)
    gone = set(paper_ids) - {t.id for t in texts}
    await storage.remove_papers(session, sorted(gone | {t.id for t in texts if t.hidden}))
    vocabulary = Vocabulary()
    analyzer = analyzer or _shared_analyzer
    await storage.write_papers(
        session, [analyze(analyzer, vocabulary, t) for t in texts if not t.hidden], vocabulary
    )


_installed: list[Callable[..., object]] = []


async def _on_papers_changed(session: AsyncSession, paper_ids: list[str]) -> None:
    await index_papers(session, paper_ids)


def install(register: Callable[[Callable[..., object]], None]) -> None:
    """Index the papers of every ingest batch in its transaction (idempotent).

    ``register`` is the ingest's ``crawler.ingest.on_papers_changed``: the composition layer
    (the site, the command line) passes it once at start-up, so that search depends on no
    crawler code.
    """
    if register in _installed:
        return
    register(_on_papers_changed)
    _installed.append(register)


@dataclass(slots=True)
class RebuildReport:
    papers: int = 0
    removed: int = 0
    merge_steps: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class _Pending:
    """Analyzed papers waiting to be written as one segment."""

    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    papers: list[AnalyzedPaper] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    stamps: dict[str, object] = field(default_factory=dict)  # modified_at when read


def _analyze(analyzer: Analyzer, pending: _Pending, texts: Sequence[PaperText]) -> None:
    for text in texts:
        pending.stamps[text.id] = text.modified_at
        if text.hidden:
            pending.hidden.append(text.id)
        else:
            pending.papers.append(analyze(analyzer, pending.vocabulary, text))


async def rebuild_index(
    sessions: async_sessionmaker[AsyncSession],
    *,
    batch_size: int = REBUILD_BATCH,
    segment_size: int = SEGMENT_PAPERS,
    progress: Callable[[int], None] | None = None,
    analyzer: Analyzer | None = None,
    compact: bool = True,
) -> RebuildReport:
    """Reindex every paper while the site keeps serving.

    Papers are read and analyzed in batches (in a worker thread, while the previous segment
    is written), and written ``segment_size`` at a time, each in one transaction as one
    segment; papers whose terms did not change are left alone, papers that are gone leave
    the index, and ``compact`` then merges all segments into one. ``progress`` is told the
    number of papers read after each batch.
    """
    analyzer = analyzer or _shared_analyzer
    report = RebuildReport()
    started = time.perf_counter()
    async with sessions() as session:
        if not supports_index(session):
            return report
    loop = asyncio.get_running_loop()
    writing: asyncio.Task[int] | None = None
    pending = _Pending()
    after: str | None = None
    while True:
        async with sessions() as reader:
            ids = await paper_id_batches(reader, after, batch_size)
            texts = await paper_texts(reader, ids)
        if not ids:
            break
        after = ids[-1]
        await loop.run_in_executor(None, _analyze, analyzer, pending, texts)
        report.papers += len(ids)
        if progress is not None:
            progress(len(ids))
        if len(pending.stamps) >= segment_size:
            if writing is not None:
                await writing
            writing = asyncio.create_task(_write_segment(sessions, pending, analyzer))
            pending = _Pending()
    if writing is not None:
        await writing
    await _write_segment(sessions, pending, analyzer)
    async with sessions.begin() as session:
        orphans = await storage.orphan_ids(session)
        await storage.remove_papers(session, orphans)
        report.removed = len(orphans)
    if compact:
        async with sessions.begin() as session:
            report.merge_steps = int(await storage.merge_all(session))
    report.seconds = time.perf_counter() - started
    return report


async def _write_segment(
    sessions: async_sessionmaker[AsyncSession], pending: _Pending, analyzer: Analyzer
) -> int:
    if not pending.stamps:
        return 0
    async with sessions.begin() as session:
        # A paper changed since it was read (an ingest between the read and this write) was
        # indexed by that ingest: read it again rather than write older terms over it.
        stamps = await modification_stamps(session, list(pending.stamps))
        moved = {i for i, stamp in pending.stamps.items() if stamps.get(i) != stamp}
        papers = [p for p in pending.papers if p.paper_id not in moved]
        hidden = [i for i in pending.hidden if i not in moved]
        if moved:
            again = _Pending(vocabulary=pending.vocabulary)
            _analyze(analyzer, again, await paper_texts(session, sorted(moved)))
            papers += again.papers
            hidden += again.hidden
            hidden += sorted(moved - set(again.stamps))  # deleted meanwhile
        await storage.remove_papers(session, hidden)
        return await storage.write_papers(session, papers, pending.vocabulary, merge=False)


@dataclass(slots=True)
class IndexCheck:
    """What ``check_index`` found; ``ok`` when the index matches the papers."""

    supported: bool = True
    papers: int = 0
    indexed: int = 0
    unindexed: int = 0
    orphans: list[str] = field(default_factory=list)
    compared: int = 0
    stale: list[str] = field(default_factory=list)
    integrity: str | None = None

    @property
    def ok(self) -> bool:
        return self.supported and not (
            self.unindexed or self.orphans or self.stale or self.integrity
        )


async def check_index(
    session: AsyncSession,
    *,
    sample: int | None = 1000,
    analyzer: Analyzer | None = None,
    seed: int = 0,
) -> IndexCheck:
    """Compare the index with the papers: counts, the index's structure, and the terms of
    ``sample`` indexed papers (all of them when None) against freshly analyzed text."""
    if not supports_index(session):
        return IndexCheck(supported=False)
    analyzer = analyzer or _shared_analyzer
    result = IndexCheck()
    result.papers = (await session.execute(select(func.count()).select_from(Paper))).scalar_one()
    result.indexed = await storage.indexed_count(session)
    result.unindexed = await storage.unindexed_count(session)
    result.orphans = await storage.orphan_ids(session)
    result.integrity = await storage.integrity_problem(session)
    ids = await storage.indexed_ids(session)
    if sample is not None and sample < len(ids):
        ids = sorted(random.Random(seed).sample(ids, sample))
    vocabulary = Vocabulary()
    for start in range(0, len(ids), REBUILD_BATCH):
        chunk = ids[start : start + REBUILD_BATCH]
        stored = await storage.stored_digests(session, chunk)
        for text in await paper_texts(session, chunk):
            fresh = None if text.hidden else analyze(analyzer, vocabulary, text).digest
            if stored.get(text.id, (None, None))[1] != fresh:
                result.stale.append(text.id)
        result.compared += len(chunk)
    return result

"""Keeping the index in step with the papers: on every ingest, by rebuild, and checking it.

The index exists on SQLite only (see ``search.sqlite``); on other databases these functions do
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
from search import sqlite
from search.analysis import Analyzer
from search.documents import PaperText, modification_stamps, paper_id_batches, paper_texts
from tokenizer import Tokenizer, default_tokenizer

log = logging.getLogger(__name__)

REBUILD_BATCH = 1000
MERGE_PAGES = 2000


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
    await sqlite.index_texts(session, texts, analyzer or _shared_analyzer)
    gone = set(paper_ids) - {t.id for t in texts}
    await sqlite.remove_documents(session, sorted(gone))


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


async def rebuild_index(
    sessions: async_sessionmaker[AsyncSession],
    *,
    batch_size: int = REBUILD_BATCH,
    progress: Callable[[int], None] | None = None,
    analyzer: Analyzer | None = None,
    compact: bool = True,
) -> RebuildReport:
    """Reindex every paper, one transaction per batch, while the site keeps serving.

    Papers stay searchable all along (each batch replaces its papers' rows, and papers whose
    terms did not change are left alone); rows of papers that are gone are removed; ``compact``
    then merges the index's segments in small steps. A batch is analyzed in a worker thread
    while the previous one is written, so that tokenizing and SQLite's work overlap.
    ``progress`` is told the number of papers done after each batch.
    """
    analyzer = analyzer or _shared_analyzer
    report = RebuildReport()
    started = time.perf_counter()
    async with sessions() as session:
        if not supports_index(session):
            return report
    loop = asyncio.get_running_loop()
    writing: asyncio.Task[int] | None = None
    after: str | None = None
    while True:
        async with sessions() as reader:
            ids = await paper_id_batches(reader, after, batch_size)
            texts = await paper_texts(reader, ids)
        if not ids:
            break
        after = ids[-1]
        documents = await loop.run_in_executor(None, _analyze, analyzer, texts)
        if writing is not None:
            await writing
        writing = asyncio.create_task(_write_batch(sessions, documents))
        report.papers += len(ids)
        if progress is not None:
            writing.add_done_callback(lambda _, n=len(ids): progress(n))
    if writing is not None:
        await writing
    async with sessions.begin() as session:
        orphans = await sqlite.orphan_ids(session)
        await sqlite.remove_documents(session, orphans)
        report.removed = len(orphans)
    while compact:
        async with sessions.begin() as session:
            compact = await sqlite.merge_step(session, -MERGE_PAGES)
        report.merge_steps += 1
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True, slots=True)
class _Analyzed:
    entries: list[sqlite.Entry]
    hidden: list[str]
    stamps: dict[str, object]  # modified_at of each paper when it was read
    analyzer: Analyzer


def _analyze(analyzer: Analyzer, texts: Sequence[PaperText]) -> _Analyzed:
    return _Analyzed(
        [
            sqlite.Entry.of(t.id, analyzer.document(t.title, t.abstract, t.authors))
            for t in texts
            if not t.hidden
        ],
        [t.id for t in texts if t.hidden],
        {t.id: t.modified_at for t in texts},
        analyzer,
    )


async def _write_batch(sessions: async_sessionmaker[AsyncSession], batch: _Analyzed) -> int:
    async with sessions.begin() as session:
        # A paper changed since it was read (an ingest between the read and this write) was
        # indexed by that ingest: read it again rather than write older terms over it.
        stamps = await modification_stamps(session, list(batch.stamps))
        moved = {i for i, stamp in batch.stamps.items() if stamps.get(i) != stamp}
        entries = [e for e in batch.entries if e.paper_id not in moved]
        hidden = [i for i in batch.hidden if i not in moved]
        if moved:
            again = _analyze(batch.analyzer, await paper_texts(session, sorted(moved)))
            entries += again.entries
            hidden += again.hidden
            hidden += sorted(moved - set(again.stamps))  # deleted meanwhile
        await sqlite.remove_documents(session, hidden)
        return await sqlite.write_documents(session, entries)


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
    """Compare the index with the papers: counts, FTS5's integrity check, and the terms of
    ``sample`` indexed papers (all of them when None) against freshly analyzed text."""
    if not supports_index(session):
        return IndexCheck(supported=False)
    analyzer = analyzer or _shared_analyzer
    result = IndexCheck()
    result.papers = (await session.execute(select(func.count()).select_from(Paper))).scalar_one()
    result.indexed = await sqlite.indexed_count(session)
    result.unindexed = await sqlite.unindexed_count(session)
    result.orphans = await sqlite.orphan_ids(session)
    result.integrity = await sqlite.integrity_problem(session)
    ids = await sqlite.indexed_ids(session)
    if sample is not None and sample < len(ids):
        ids = sorted(random.Random(seed).sample(ids, sample))
    for start in range(0, len(ids), REBUILD_BATCH):
        chunk = ids[start : start + REBUILD_BATCH]
        stored = await sqlite.indexed_documents(session, chunk)
        for text in await paper_texts(session, chunk):
            fresh = None if text.hidden else analyzer.document(text.title, text.abstract,
                                                               text.authors)  # fmt: skip
            if stored.get(text.id) != fresh:
                result.stale.append(text.id)
        result.compared += len(chunk)
    return result

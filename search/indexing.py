"""Keeping the index in step with the papers: on every ingest, by rebuild, and checking it.

The index lives on SQLite and PostgreSQL (see ``search.storage``); on other databases these
functions do nothing and searches find nothing. With the SEARCH_FULL_TEXT setting on, a paper's
body (its stored full text) is indexed with it; the composition roots register
``index_papers`` with ``fulltext.service.on_fulltext_stored`` so that a paper is indexed again
whenever its full text is stored.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import random
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.records import PaperRecord
from models.schema import Paper
from search import storage
from search.analysis import Analyzer
from search.documents import (
    PaperText,
    modification_texts,
    page_boundary,
    paper_text_page,
    paper_text_rows,
    paper_texts,
    read_paper_texts,
    record_text,
)
from search.options import current, shared_analyzer
from search.segments import (
    AnalyzedPaper,
    BuiltSegment,
    Vocabulary,
    analyze,
    build_segment,
    day_number,
)
from tokenizer import Tokenizer, default_model_path, default_tokenizer

log = logging.getLogger(__name__)

REBUILD_BATCH = 1000
SEGMENT_PAPERS = 100_000
POOL_MIN_PAPERS = 20_000  # papers: fewer are built in this process
MAX_WORKERS = 2


_warned_dialects: set[str] = set()


def bodies_indexed() -> bool:
    """Whether papers' bodies are indexed (the SEARCH_FULL_TEXT setting, see ``configure``)."""
    return current().full_text


def supports_index(session: AsyncSession) -> bool:
    """Whether the session's database holds a search index (SQLite or PostgreSQL)."""
    dialect = session.bind.dialect.name
    if dialect in ("sqlite", "postgresql"):
        return True
    if dialect not in _warned_dialects:
        _warned_dialects.add(dialect)
        log.warning("full-text search is not available on %s yet: not indexing", dialect)
    return False


async def index_papers(
    session: AsyncSession,
    paper_ids: Sequence[str],
    analyzer: Analyzer | None = None,
    *,
    bodies: bool | None = None,
) -> None:
    """Bring the index up to date for these papers, in the session's transaction.

    Visible papers are (re)indexed, hidden or deleted ones leave the index; call it after
    hiding a paper, or storing its full text, as well. ``bodies``: whether to index their
    bodies (default: the SEARCH_FULL_TEXT setting).
    """
    if not paper_ids or not supports_index(session):
        return
    if bodies is None:
        bodies = bodies_indexed()
    await storage.lock_writes(session)  # the texts read next are the ones indexed
    texts = await paper_text_rows(session, paper_ids, bodies=bodies)
    gone = set(paper_ids) - {t.id for t in texts}
    await storage.remove_papers(session, sorted(gone | {t.id for t in texts if t.hidden}))
    analyzer = analyzer or shared_analyzer()
    local = _local(analyzer)
    vocabulary = _vocabulary(local)
    foreseen: dict[str, _Foreseen] = local.foreseen
    papers = []
    for text in texts:
        known = foreseen.pop(text.id, None)
        if text.hidden:
            continue
        if known is not None and known.text == _text_key(text):
            papers.append(known.paper)
        else:
            papers.append(analyze(analyzer, vocabulary, text))
    built, local.built = local.built, None
    if built is not None and not _same(built[0], papers):
        built = None
    await storage.write_papers(
        session, papers, vocabulary, built=None if built is None else built[1]
    )


def _same(these: Sequence[object], those: Sequence[object]) -> bool:
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


VOCABULARY_TERMS = 100_000  # terms: a larger vocabulary is started anew
FORESEEN_PAPERS = 20_000  # papers analyzed ahead: more are forgotten (an import's 10,000 fit)
FORESEE_STEP = 20  # papers analyzed ahead per step (under 1 ms)
_vocabularies: WeakKeyDictionary[Analyzer, threading.local] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class _Foreseen:
    """A paper analyzed from its record before it was written, and the text analyzed."""

    text: tuple[object, ...]
    paper: AnalyzedPaper


def _text_key(text: PaperText) -> tuple[object, ...]:
    """What ``analyze`` reads of a paper's text."""
    return (
        text.title or "",
        text.abstract or "",
        tuple(text.authors),
        text.body or "",
        day_number(text.published),
    )


def _local(analyzer: Analyzer) -> threading.local:
    """This thread's state of the ingests that index with ``analyzer``."""
    local = _vocabularies.get(analyzer)
    if local is None:
        local = _vocabularies[analyzer] = threading.local()
    return local


def _vocabulary(local: threading.local) -> Vocabulary:
    """The vocabulary that this thread's ingests number their terms in: kept from one ingest
    to the next (its terms and their stems are known already), up to ``VOCABULARY_TERMS``
    terms (every segment written sizes its work by them). The papers analyzed ahead in it
    (``foresee_papers``) go with it."""
    vocabulary: Vocabulary | None = getattr(local, "vocabulary", None)
    if vocabulary is None or len(vocabulary.terms) > VOCABULARY_TERMS:
        vocabulary = local.vocabulary = Vocabulary()
        local.foreseen, local.built = {}, None
    return vocabulary


def foresee_papers(
    records: Sequence[PaperRecord], analyzer: Analyzer | None = None, *, whole: bool = True
) -> Iterator[None]:
    """Analyze the papers of ``records`` as ``index_papers`` will once the records are
    written, ``FORESEE_STEP`` papers per step (the ingest's ``papers_coming`` hook: it takes
    the steps while the database writes). ``index_papers`` takes such an analysis in place of
    its own when the text it reads from the database is the one analyzed (in the same thread,
    with the same analyzer), and analyzes the paper itself otherwise. The last step builds the
    segment of these papers in the order of their ids, which ``index_papers`` writes when
    those are the papers it indexes, all of them changed; not when they are not the ``whole``
    of what it will index next (an import's transaction of several files)."""
    analyzer = analyzer or shared_analyzer()
    local = _local(analyzer)
    vocabulary = _vocabulary(local)
    foreseen: dict[str, _Foreseen] = local.foreseen
    if len(foreseen) + len(records) > FORESEEN_PAPERS:
        foreseen.clear()  # papers analyzed ahead that were never indexed (unchanged, failed)
    for start in range(0, len(records), FORESEE_STEP):
        for record in records[start : start + FORESEE_STEP]:
            text = record_text(record)
            paper = analyze(analyzer, vocabulary, text)
            foreseen[record.arxiv_id] = _Foreseen(_text_key(text), paper)
        yield
        if local.vocabulary is not vocabulary:  # started anew meanwhile: these are lost
            return
    if not whole:
        return
    papers = [foreseen[i].paper for i in sorted({r.arxiv_id for r in records}) if i in foreseen]
    local.built = (papers, build_segment(papers, vocabulary))
    yield


@dataclass(slots=True)
class RebuildReport:
    papers: int = 0
    removed: int = 0
    merge_steps: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class _Built:
    """A segment built from papers read together, with what else the reading found."""

    segment: BuiltSegment
    hidden: list[str]
    stamps: dict[str, object]  # modified_at of each paper when it was read


def _build(analyzer: Analyzer, texts: Sequence[PaperText]) -> _Built:
    vocabulary = Vocabulary()
    papers = [analyze(analyzer, vocabulary, t) for t in texts if not t.hidden]
    return _Built(
        build_segment(papers, vocabulary),
        [t.id for t in texts if t.hidden],
        {t.id: t.modified_at for t in texts},
    )


_worker_analyzer: Analyzer | None = None


def _start_worker(model: str, backend: str) -> None:
    global _worker_analyzer
    if model or backend != "auto":
        _worker_analyzer = Analyzer(Tokenizer(model or default_model_path(), backend=backend))
    else:
        _worker_analyzer = Analyzer(default_tokenizer())


def _build_range(database: str, after: str, last: str, bodies: bool = False) -> _Built:
    """In a worker process: read the papers after ``after`` up to ``last`` and build them."""
    assert _worker_analyzer is not None
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        texts = read_paper_texts(connection, after, last, bodies=bodies)
    finally:
        connection.close()
    return _build(_worker_analyzer, texts)


def _database_file(session: AsyncSession) -> str | None:
    """The SQLite file that worker processes read themselves (None: no such file)."""
    if session.bind.dialect.name != "sqlite":
        return None
    database = session.bind.url.database
    return database if database and database != ":memory:" else None


async def rebuild_index(
    sessions: async_sessionmaker[AsyncSession],
    *,
    batch_size: int = REBUILD_BATCH,
    segment_size: int = SEGMENT_PAPERS,
    progress: Callable[[int], None] | None = None,
    analyzer: Analyzer | None = None,
    compact: bool = True,
    bodies: bool | None = None,
) -> RebuildReport:
    """Reindex every paper while the site keeps serving.

    Papers are built into segments of ``segment_size`` papers, each written in one
    transaction; papers whose terms did not change are left alone, papers that are gone
    leave the index, and ``compact`` then merges all segments into one; the papers' arrays
    (``search.snapshot``) are then written anew from the papers' rows. A large index with
    the configured tokenizer is built by worker processes (one per core, up to
    ``MAX_WORKERS``), each reading its papers itself, while this process writes; otherwise
    papers are read here in batches of ``batch_size`` and built in a thread. ``progress`` is
    told the number of papers read, batch by batch or segment by segment. ``bodies``: whether
    to index the papers' bodies (default: the SEARCH_FULL_TEXT setting).
    """
    report = RebuildReport()
    if bodies is None:
        bodies = bodies_indexed()
    started = time.perf_counter()
    async with sessions() as session:
        if not supports_index(session):
            return report
        total = (await session.execute(select(func.count()).select_from(Paper))).scalar_one()
        database = _database_file(session)
    workers = min(os.cpu_count() or 1, MAX_WORKERS)

    def counted(papers: int) -> None:
        report.papers += papers
        if progress is not None:
            progress(papers)

    if analyzer is None and database and total >= POOL_MIN_PAPERS and workers > 1:
        # Segments small enough that every worker has one.
        size = min(segment_size, max(REBUILD_BATCH, -(-total // workers)))
        await _rebuild_in_workers(sessions, database, workers, size, counted, bodies)
    else:
        chosen = analyzer or shared_analyzer()
        await _rebuild_here(sessions, chosen, batch_size, segment_size, counted, bodies)
    async with sessions.begin() as session:
        orphans = await storage.orphan_ids(session)
        await storage.remove_papers(session, orphans)
        report.removed = len(orphans)
    if compact:
        async with sessions.begin() as session:
            report.merge_steps = int(await storage.merge_all(session))
    async with sessions.begin() as session:  # the papers' arrays from the rows themselves
        await storage.refresh_snapshot(session, every=0, anew=True)
    report.seconds = time.perf_counter() - started
    return report


async def _rebuild_in_workers(
    sessions: async_sessionmaker[AsyncSession],
    database: str,
    workers: int,
    segment_size: int,
    counted: Callable[[int], None],
    bodies: bool,
) -> None:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_start_worker,
        initargs=(current().tokenizer_model, current().tokenizer_backend),
    )
    building: deque[asyncio.Future[_Built]] = deque()

    async def write_oldest() -> None:
        built = await building.popleft()
        await _write_segment(sessions, built, None, bodies)
        counted(len(built.stamps))

    try:
        after = ""
        while True:
            async with sessions() as session:
                last = await page_boundary(session, after, segment_size)
            if last is None:
                break
            building.append(loop.run_in_executor(pool, _build_range, database, after, last, bodies))
            after = last
            if len(building) > workers:
                await write_oldest()
        while building:
            await write_oldest()
    finally:
        pool.shutdown(cancel_futures=True)


async def _rebuild_here(
    sessions: async_sessionmaker[AsyncSession],
    analyzer: Analyzer,
    batch_size: int,
    segment_size: int,
    counted: Callable[[int], None],
    bodies: bool,
) -> None:
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1) as executor:
        writing: asyncio.Task[int] | None = None
        after: str | None = None
        texts: list[PaperText] = []
        while True:
            async with sessions() as reader:
                batch = await paper_text_page(reader, after, batch_size, bodies=bodies)
            if batch:
                after = batch[-1].id
                texts.extend(batch)
                counted(len(batch))
            if texts and (len(texts) >= segment_size or not batch):
                built = await loop.run_in_executor(executor, _build, analyzer, texts)
                texts = []
                if writing is not None:
                    await writing
                writing = asyncio.create_task(_write_segment(sessions, built, analyzer, bodies))
            if not batch:
                break
        if writing is not None:
            await writing


async def _write_segment(
    sessions: async_sessionmaker[AsyncSession],
    built: _Built,
    analyzer: Analyzer | None,
    bodies: bool | None = None,
) -> int:
    async with sessions.begin() as session:
        # A paper changed since it was read (an ingest between the read and this write) is
        # read and indexed again rather than written with older terms.
        stamps = await modification_texts(session, list(built.stamps))
        moved = {i for i, stamp in built.stamps.items() if stamps.get(i) != stamp}
        await storage.remove_papers(session, [i for i in built.hidden if i not in moved])
        written = await storage.write_segment(session, built.segment, skip=moved, merge=False)
        await index_papers(session, sorted(moved), analyzer, bodies=bodies)
        return written


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
    bodies: bool | None = None,
) -> IndexCheck:
    """Compare the index with the papers: counts, the index's structure, and the terms of
    ``sample`` indexed papers (all of them when None) against freshly analyzed text."""
    if not supports_index(session):
        return IndexCheck(supported=False)
    if bodies is None:
        bodies = bodies_indexed()
    analyzer = analyzer or shared_analyzer()
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
        for text in await paper_texts(session, chunk, bodies=bodies):
            fresh = None if text.hidden else analyze(analyzer, vocabulary, text).digest
            if stored.get(text.id, (None, None))[1] != fresh:
                result.stale.append(text.id)
        result.compared += len(chunk)
    return result

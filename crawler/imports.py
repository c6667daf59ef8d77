"""Importing recorded arXiv responses from files: RSS, Atom API, OAI-PMH or snapshot JSON lines.

A response file (XML) is parsed whole before anything of it is written, so that a malformed
or truncated file is rejected with nothing from it half-written. Consecutive files are written
together, in transactions of up to ``IMPORT_BATCH`` papers, each file whole in one of them:
the search index then gets segments of that size rather than one small segment per file, which
makes a bulk import of OAI-PMH pages (a thousand papers each) about half again as fast. A
transaction takes each file as soon as it is parsed, the next file parsed in a worker thread
while the one before it is written (while the process waits for the database); a file larger
than ``WAITED_BYTES`` is not waited for, but parsed after the commit for a transaction of its
own. A bad file ends the transaction before it, which is committed (the files before the bad
one stay).

A metadata snapshot (JSON lines, the Kaggle dump of the whole archive: gigabytes) is
streamed instead: read line by line in constant memory, committed in batches of
``IMPORT_BATCH`` as it goes, the next batch parsed in a worker thread while the current
one is written. A bad line stops the import with its line number; the batches before it
stay, and importing the file again is harmless (the ingest is idempotent).
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing, contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch.progress import Progress, progress_for
from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks, ingest
from crawler.parse import ParseError, iter_snapshot, parse_document
from crawler.parse.detect import first_byte
from crawler.records import PaperRecord, ParsedDocument
from crawler.runs import RunRecorder, recorded_run

MAX_FILE_BYTES = 200 * 1024 * 1024
# Papers per transaction of an import, and so per segment of the search index it builds:
# measured on 200,000 papers of OAI-PMH pages, 1,000 per transaction ingest 2,500 papers/s,
# 5,000 about 4,100 and 10,000 about 4,800, at 0.2 to 0.4 s of writing per thousand.
IMPORT_BATCH = 10_000
# Bytes of a file that a transaction waits for: a larger next file (10,000 papers of OAI-PMH
# XML are some 17 MB) starts a transaction of its own rather than keep the one before it open
# while it is parsed.
WAITED_BYTES = 20 * 1024 * 1024
T = TypeVar("T")


class ImportFailed(Exception):
    """A file could not be imported; the message names the file and the reason."""


@dataclass(slots=True)
class FileResult:
    path: Path
    kind: str
    counts: IngestCounts
    error: str | None = None  # an error document (e.g. an arXiv error feed): no papers


@dataclass(slots=True)
class ImportResult:
    run_id: int
    files: list[FileResult] = field(default_factory=list)
    counts: IngestCounts = field(default_factory=IngestCounts)


@contextmanager
def open_file(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """``(raw, content)``: the file as stored, and its content (gunzipped if compressed).

    ``raw.tell()`` says how far into the stored file reading has come.
    """
    try:
        with path.open("rb") as raw:
            if raw.read(2) == b"\x1f\x8b":
                raw.seek(0)
                with gzip.open(raw) as content:
                    yield raw, content  # type: ignore[misc]  # a GzipFile is read as IO[bytes]
            else:
                raw.seek(0)
                yield raw, raw
    except (OSError, EOFError) as exc:
        raise ImportFailed(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc


def read_file(path: Path) -> bytes:
    """The bytes of ``path``, gunzipped when it is gzip-compressed."""
    with open_file(path) as (_, content):
        try:
            data = content.read(MAX_FILE_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ImportFailed(f"{path}: cannot read: {exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
    return data


def is_snapshot(path: Path) -> bool:
    """Whether ``path`` holds JSON lines (the snapshot), judged by its first bytes."""
    with open_file(path) as (_, content):
        try:
            head = content.read(4096)
        except (OSError, EOFError) as exc:
            raise ImportFailed(f"{path}: cannot read: {exc}") from exc
    return first_byte(head) == b"{"


async def import_files(
    sessions: async_sessionmaker[AsyncSession],
    paths: list[Path],
    *,
    progress: Progress | None = None,
    hooks: IngestHooks = NO_HOOKS,
    batch_papers: int = IMPORT_BATCH,
    committed: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import every file: response files whole, consecutive ones together in transactions of
    up to ``batch_papers`` papers; a snapshot streamed in batches of that size. Stops at the
    first bad file, the files before it imported. ``progress`` (default: a bar on a terminal)
    follows snapshots; ``committed`` is told the papers of each transaction once it is
    committed."""
    parameters = {"files": [str(p) for p in paths]}
    try:
        async with recorded_run(sessions, "import", parameters, hooks=hooks) as run:
            result = ImportResult(run_id=run.run_id)
            async with aclosing(prefetch(_documents(paths))) as documents:
                source = _Source(documents, paths)
                item = await source.take()
                while item is not None:
                    path, document = item
                    if document is None:  # a snapshot: streamed here, in batches
                        before = replace(run.counts)
                        await _import_snapshot(
                            run, path, progress or progress_for(), batch_papers, committed
                        )
                        result.files.append(
                            FileResult(path, "snapshot", _difference(run.counts, before))
                        )
                        item = await source.take()
                        continue
                    transaction = _Transaction(source, [(path, document)], batch_papers)
                    each = await _commit_transaction(run, transaction)
                    for (written, parsed), counts in zip(transaction.taken, each, strict=True):
                        result.files.append(FileResult(written, parsed.kind, counts, parsed.error))
                    if committed is not None:
                        committed(transaction.papers)
                    item = transaction.following or await source.take()
                if source.failure is not None:
                    raise source.failure  # the files before the bad one are imported
            result.counts = run.counts
            return result
    except ParseError as exc:  # a bad snapshot line, raised while streaming
        raise ImportFailed(str(exc)) from exc


Parsed = tuple[Path, ParsedDocument | None]  # a file and its document (None: a snapshot)


def _documents(paths: list[Path]) -> Iterator[Parsed]:
    """Each path with its parsed document (None: a snapshot, left to be streamed)."""
    for path in paths:
        yield path, None if is_snapshot(path) else _parse(path)


class _Source:
    """The parsed files in order; a file that cannot be imported ends them, kept aside.
    Anything else that breaks the parsing is raised again at every take after it, so that a
    transaction tried again cannot mistake it for the end of the files."""

    def __init__(self, documents: AsyncIterator[Parsed], paths: Sequence[Path]) -> None:
        self.documents = documents
        self.paths = paths  # in the order of the documents
        self.taken = 0
        self.failure: ImportFailed | None = None
        self.broken: BaseException | None = None

    def next_size(self) -> int:
        """The size in bytes of the next file (0 when there is none or it cannot be read)."""
        if self.taken >= len(self.paths):
            return 0
        try:
            return self.paths[self.taken].stat().st_size
        except OSError:
            return 0

    async def take(self) -> Parsed | None:
        if self.broken is not None:
            raise self.broken
        if self.failure is not None:
            return None
        try:
            item = await anext(self.documents)
            self.taken += 1
            return item
        except StopAsyncIteration:
            return None
        except ImportFailed as exc:
            self.failure = exc
            return None
        except BaseException as exc:
            self.broken = exc
            raise


class _Transaction:
    """The files of one transaction of an import, taken from ``source`` one by one as the
    transaction writes them, the next file parsed while the one before it is written. Ends
    before a file that would take it past ``limit`` papers (a first file of any size is
    taken), before a snapshot, before a file that cannot be imported, before a file of more
    than ``WAITED_BYTES`` (not waited for), or where the files end; ``following`` is the file
    it ended before when it took it (a snapshot, or one past the limit)."""

    def __init__(self, source: _Source, first: list[tuple[Path, ParsedDocument]], limit: int):
        self.source = source
        self.taken = first
        self.limit = limit
        self.papers = sum(len(document.papers) for _, document in first)
        self.following: Parsed | None = None
        self.ended = False

    async def document(self, index: int) -> ParsedDocument | None:
        """The transaction's ``index``-th document, taken from the source when it comes next
        (a transaction tried again takes the same ones again); None past its last."""
        if index < len(self.taken):
            return self.taken[index][1]
        if self.ended:
            return None
        if self.source.next_size() > WAITED_BYTES:
            self.ended = True  # parsed after the commit, for a transaction of its own
            return None
        item = await self.source.take()
        if item is not None:
            path, document = item
            if document is not None and self.papers + len(document.papers) <= self.limit:
                self.taken.append((path, document))
                self.papers += len(document.papers)
                return document
        self.ended = True
        self.following = item
        return None


async def _commit_transaction(run: RunRecorder, documents: _Transaction) -> list[IngestCounts]:
    """Ingest the papers of ``documents`` in one transaction of ``run``; the counts of each.

    The run's hooks hear of the changed papers once, at the end, rather than after each
    document: the search index builds one segment of them all."""
    each: list[IngestCounts] = []

    async def write(session: AsyncSession) -> IngestCounts:
        each.clear()  # a transaction tried again starts over
        changed: list[str] = []

        async def collect(_: AsyncSession, paper_ids: list[str]) -> None:
            changed.extend(paper_ids)

        coming = run.hooks.papers_coming
        later = IngestHooks(
            papers_changed=collect,
            papers_coming=None if coming is None else partial(coming, whole=False),
        )
        total = IngestCounts()
        index = 0
        while (document := await documents.document(index)) is not None:
            counts = await ingest(session, document.papers, crawl_run_id=run.run_id, hooks=later)
            counts.failed += len(document.problems)
            each.append(counts)
            total.add(counts)
            index += 1
        await run.hooks.changed(session, list(dict.fromkeys(changed)))
        return total

    await run.commit_with(write)
    return each


_COUNT_FIELDS = ("new", "updated", "unchanged", "failed", "announcements")


def _difference(after: IngestCounts, before: IngestCounts) -> IngestCounts:
    return IngestCounts(**{f: getattr(after, f) - getattr(before, f) for f in _COUNT_FIELDS})


def _parse(path: Path) -> ParsedDocument:
    data = read_file(path)
    try:
        return parse_document(data)
    except ParseError as exc:
        raise ImportFailed(f"{path}: {exc}") from exc


async def _import_snapshot(
    run: RunRecorder,
    path: Path,
    progress: Progress,
    batch_papers: int,
    committed: Callable[[int], None] | None,
) -> None:
    problems: list[str] = []
    size = path.stat().st_size
    progress.start(f"import {path.name}", total=size, unit="bytes")
    try:
        with open_file(path) as (raw, content):
            batches = snapshot_batches(content, path, problems.append, batch_papers)
            done = 0
            async with aclosing(prefetch(batches)) as prefetched:
                async for batch in prefetched:
                    position = raw.tell()
                    await run.commit(batch, batch_size=len(batch))
                    if committed is not None:
                        committed(len(batch))
                    progress.advance(position - done, note=f"{run.counts.papers:,} papers")
                    done = position
            if problems:
                await run.count_failed(len(problems))
                run.gaps.setdefault("skipped", []).extend(problems[:50])
    finally:
        progress.close()


def snapshot_batches(
    lines: Iterable[bytes],
    path: Path,
    on_problem: Callable[[str], None],
    size: int = IMPORT_BATCH,
) -> Iterator[list[PaperRecord]]:
    """The papers of snapshot ``lines`` in batches; bad lines raise ParseError naming ``path``."""
    batch: list[PaperRecord] = []
    try:
        for record in iter_snapshot(lines, on_problem=lambda m: on_problem(f"{path}: {m}")):
            batch.append(record)
            if len(batch) >= size:
                yield batch
                batch = []
    except ParseError as exc:
        raise ParseError(f"{path}: {exc}") from None
    if batch:
        yield batch


async def prefetch(items: Iterator[T]) -> AsyncGenerator[T, None]:
    """The items of a blocking iterator, each next one produced in a worker thread while the
    consumer works on the current one (reading and parsing overlap with writing)."""
    loop = asyncio.get_running_loop()
    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch") as worker:
        pending = loop.run_in_executor(worker, next, items, done)
        try:
            while True:
                item = await pending
                if item is done:
                    return
                pending = loop.run_in_executor(worker, next, items, done)
                yield item  # type: ignore[misc]  # not ``done``: one of the items
        finally:
            # The worker must be idle before the file it reads is closed.
            with suppress(BaseException):
                await asyncio.shield(pending)

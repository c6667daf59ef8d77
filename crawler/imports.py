"""Importing recorded arXiv responses from files: RSS, Atom API, OAI-PMH or snapshot JSON lines.

A response file (XML) is parsed whole before anything of it is written, so that a malformed
or truncated file is rejected with nothing from it half-written; the next file is parsed in a
worker thread while the current ones are written. Consecutive files are written together, in
transactions of up to ``IMPORT_BATCH`` papers, each file whole in one of them: the search
index then gets segments of that size rather than one small segment per file, which makes a
bulk import of OAI-PMH pages (a thousand papers each) about half again as fast.

A metadata snapshot (JSON lines, the Kaggle dump of the whole archive: gigabytes) is
streamed instead: read line by line in constant memory, committed in batches of
``IMPORT_BATCH`` as it goes, the next batch parsed in a worker thread while the current
one is written. A bad line stops the import with its line number; the batches before it
stay, and importing the file again is harmless (the ingest is idempotent).
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
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
            waiting: list[tuple[Path, ParsedDocument]] = []

            async def write_waiting() -> None:
                if not waiting:
                    return
                each = await commit_documents(run, waiting)
                for (path, document), counts in zip(waiting, each, strict=True):
                    result.files.append(FileResult(path, document.kind, counts, document.error))
                if committed is not None:
                    committed(sum(len(document.papers) for _, document in waiting))
                waiting.clear()

            try:
                async for path, document in prefetch(_documents(paths)):
                    if document is None:  # a snapshot: streamed here, in batches
                        await write_waiting()
                        before = replace(run.counts)
                        await _import_snapshot(
                            run, path, progress or progress_for(), batch_papers, committed
                        )
                        result.files.append(
                            FileResult(path, "snapshot", _difference(run.counts, before))
                        )
                        continue
                    held = sum(len(d.papers) for _, d in waiting)
                    if waiting and held + len(document.papers) > batch_papers:
                        await write_waiting()
                    waiting.append((path, document))
            except ImportFailed:
                await write_waiting()  # the files before the bad one are imported
                raise
            await write_waiting()
            result.counts = run.counts
            return result
    except ParseError as exc:  # a bad snapshot line, raised while streaming
        raise ImportFailed(str(exc)) from exc


def _documents(paths: list[Path]) -> Iterator[tuple[Path, ParsedDocument | None]]:
    """Each path with its parsed document (None: a snapshot, left to be streamed)."""
    for path in paths:
        yield path, None if is_snapshot(path) else _parse(path)


async def commit_documents(
    run: RunRecorder, documents: Sequence[tuple[object, ParsedDocument]]
) -> list[IngestCounts]:
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
        for _, document in documents:
            counts = await ingest(session, document.papers, crawl_run_id=run.run_id, hooks=later)
            counts.failed += len(document.problems)
            each.append(counts)
            total.add(counts)
        await run.hooks.changed(session, list(dict.fromkeys(changed)))
        return total

    await run.commit_with(write)
    return each


_COUNT_FIELDS = ("new", "updated", "unchanged", "failed", "announcements")


def _difference(after: IngestCounts, before: IngestCounts) -> IngestCounts:
    return IngestCounts(**{f: getattr(after, f) - getattr(before, f) for f in _COUNT_FIELDS})


def _parse(path: Path):
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
            async for batch in prefetch(batches):
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


async def prefetch(items: Iterator[T]) -> AsyncIterator[T]:
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

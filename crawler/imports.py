"""Importing recorded arXiv responses from files: RSS, Atom API, OAI-PMH or snapshot JSON lines.

A response file (XML) is parsed whole before anything is written, then ingested in one
transaction, so that a malformed or truncated file is rejected with nothing from it
half-written.

A metadata snapshot (JSON lines, the Kaggle dump of the whole archive: gigabytes) is
streamed instead: read line by line in constant memory, committed in batches of
``SNAPSHOT_BATCH`` as it goes, the next batch parsed in a worker thread while the current
one is written. A bad line stops the import with its line number; the batches before it
stay, and importing the file again is harmless (the ingest is idempotent).
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch.progress import Progress, progress_for
from crawler.ingest import BATCH_SIZE, NO_HOOKS, IngestCounts, IngestHooks
from crawler.parse import ParseError, iter_snapshot, parse_document
from crawler.parse.detect import first_byte
from crawler.records import PaperRecord
from crawler.runs import RunRecorder, recorded_run

MAX_FILE_BYTES = 200 * 1024 * 1024
SNAPSHOT_BATCH = BATCH_SIZE
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
) -> ImportResult:
    """Import every file, each in its own transaction (a snapshot in batches); stops at the
    first bad file. ``progress`` (default: a bar on a terminal) follows snapshots."""
    parameters = {"files": [str(p) for p in paths]}
    try:
        async with recorded_run(sessions, "import", parameters, hooks=hooks) as run:
            result = ImportResult(run_id=run.run_id)
            for path in paths:
                before = IngestCounts(**{f: getattr(run.counts, f) for f in _COUNT_FIELDS})
                if is_snapshot(path):
                    await _import_snapshot(run, path, progress or progress_for())
                    kind, error = "snapshot", None
                else:
                    document = _parse(path)
                    await run.commit(document.papers, failed=len(document.problems))
                    kind, error = document.kind, document.error
                counts = _difference(run.counts, before)
                result.files.append(FileResult(path, kind, counts, error))
            result.counts = run.counts
            return result
    except ParseError as exc:  # a bad snapshot line, raised while streaming
        raise ImportFailed(str(exc)) from exc


_COUNT_FIELDS = ("new", "updated", "unchanged", "failed", "announcements")


def _difference(after: IngestCounts, before: IngestCounts) -> IngestCounts:
    return IngestCounts(**{f: getattr(after, f) - getattr(before, f) for f in _COUNT_FIELDS})


def _parse(path: Path):
    data = read_file(path)
    try:
        return parse_document(data)
    except ParseError as exc:
        raise ImportFailed(f"{path}: {exc}") from exc


async def _import_snapshot(run: RunRecorder, path: Path, progress: Progress) -> None:
    problems: list[str] = []
    size = path.stat().st_size
    progress.start(f"import {path.name}", total=size, unit="bytes")
    try:
        with open_file(path) as (raw, content):
            batches = snapshot_batches(content, path, problems.append)
            done = 0
            async for batch in prefetch(batches):
                position = raw.tell()
                await run.commit(batch)
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
    size: int = SNAPSHOT_BATCH,
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

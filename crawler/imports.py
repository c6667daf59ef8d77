"""Importing recorded arXiv responses from files: RSS, Atom API, OAI-PMH or snapshot JSON lines.

Each file is parsed whole before anything is written, then ingested in one transaction, so
that a malformed or truncated file is rejected with nothing from it half-written.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.ingest import IngestCounts, ingest
from crawler.parse import ParseError, parse_document
from crawler.runs import finish_run, start_run
from models.schema import CrawlStatus

MAX_FILE_BYTES = 200 * 1024 * 1024


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


def read_file(path: Path) -> bytes:
    """The bytes of ``path``, gunzipped when it is gzip-compressed."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
            handle.seek(0)
            if head == b"\x1f\x8b":
                with gzip.open(handle) as unzipped:
                    data = unzipped.read(MAX_FILE_BYTES + 1)
            else:
                data = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
    return data


async def import_files(
    sessions: async_sessionmaker[AsyncSession], paths: list[Path]
) -> ImportResult:
    """Import every file, each in its own transaction; stops at the first bad file."""
    run_id = await start_run(sessions, "import", {"files": [str(p) for p in paths]})
    result = ImportResult(run_id=run_id)
    try:
        for path in paths:
            data = read_file(path)
            try:
                document = parse_document(data)
            except ParseError as exc:
                raise ImportFailed(f"{path}: {exc}") from exc
            async with sessions.begin() as session:
                counts = await ingest(session, document.papers, crawl_run_id=run_id)
            result.files.append(FileResult(path, document.kind, counts, document.error))
            result.counts.add(counts)
    except BaseException as exc:
        await finish_run(
            sessions, run_id, result.counts, status=CrawlStatus.FAILED, error=str(exc)[:2000]
        )
        raise
    await finish_run(sessions, run_id, result.counts)
    return result

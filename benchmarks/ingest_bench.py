"""Ingest: parse + upsert of OAI-PMH pages into SQLite, against bare parsing measured in the
same run.

    .venv/bin/python -m benchmarks.ingest_bench [--papers 100000]

The recorded 1000-record ``arXivRaw`` page (tests/fixtures/arxiv/oai/arxivsync_47001.xml) is
replicated into distinct papers: copy k has every ``0801.NNNN`` id rewritten to another
year and month (``1001.NNNN``, ``1002.NNNN``, ...), so each copy is 1000 new papers with the
recorded authors, versions and categories. Three runs over the same pages:

- baseline: ``parse_document`` of every page, no database;
- sequential: each page parsed, then ingested in its own transaction (as the OAI harvester
  commits a page);
- pipelined: the next page parsed in a worker thread while the current one is written
  (``crawler.imports.prefetch``, as the snapshot import does).

Each database run starts from an empty migrated database (WAL, the project's pragmas).
Reported: papers per second (wall clock) and per CPU second of the process, and the ratio
to the baseline. The target is at least 3,000 papers/s.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.db import upgrade_database  # noqa: E402
from crawler.imports import prefetch  # noqa: E402
from crawler.ingest import ingest  # noqa: E402
from crawler.parse import parse_document  # noqa: E402
from models.db import create_engine, session_factory  # noqa: E402
from models.settings import Settings  # noqa: E402

PAGE = ROOT / "tests" / "fixtures" / "arxiv" / "oai" / "arxivsync_47001.xml"
TARGET = 3000.0


def pages(papers: int) -> list[bytes]:
    """Copies of the recorded page, each with ids of its own (1000 papers per copy)."""
    data = PAGE.read_bytes()
    copies = []
    for k in range(max(1, papers // 1000)):
        prefix = f"{10 + k // 12:02d}{k % 12 + 1:02d}".encode()
        copies.append(re.sub(rb"\b0801\.(\d{4})", prefix + rb".\1", data))
    return copies


def timed(work) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def baseline(copies: list[bytes]) -> int:
    return sum(len(parse_document(page).papers) for page in copies)


def fresh_database(directory: Path, name: str) -> str:
    url = f"sqlite+aiosqlite:///{directory / name}"
    upgrade_database(url)
    return url


async def _store(url: str, batches: AsyncIterator[list]) -> int:
    """Ingest each batch of papers in its own transaction; returns how many were new."""
    engine = create_engine(url, settings=Settings(DATABASE_URL=url))
    sessions = session_factory(engine)
    stored = 0
    try:
        async for papers in batches:
            async with sessions.begin() as session:
                counts = await ingest(session, papers)
            stored += counts.new
    finally:
        await engine.dispose()
    return stored


async def _parsed_in_turn(copies: list[bytes]) -> AsyncIterator[list]:
    for page in copies:
        yield parse_document(page).papers


async def sequential(url: str, copies: list[bytes]) -> int:
    return await _store(url, _parsed_in_turn(copies))


async def pipelined(url: str, copies: list[bytes]) -> int:
    return await _store(url, prefetch(parse_document(page).papers for page in copies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000, help="papers to ingest")
    arguments = parser.parse_args()
    copies = pages(arguments.papers)
    print(f"{len(copies)} pages of 1000 records ({sum(map(len, copies)) / 2**20:.0f} MiB)")
    rows = []
    parsed, wall, cpu = timed(lambda: baseline(copies))
    rows.append(("baseline: parse only", parsed, wall, cpu))
    with tempfile.TemporaryDirectory() as directory:
        for name, run in (("sequential: parse, then upsert", sequential),
                          ("pipelined: parse next while upserting", pipelined)):  # fmt: skip
            url = fresh_database(Path(directory), f"{run.__name__}.db")
            stored, wall, cpu = timed(lambda run=run, url=url: asyncio.run(run(url, copies)))
            if stored != parsed:
                raise SystemExit(f"{name}: stored {stored} papers of {parsed}")
            size = (Path(directory) / f"{run.__name__}.db").stat().st_size
            rows.append((f"{name} ({size / 2**20:.0f} MiB database)", stored, wall, cpu))
    base_rate = rows[0][1] / rows[0][2]
    print(f"{'run':52s} {'papers':>8s} {'wall s':>7s} {'papers/s':>9s} {'per CPU s':>9s} "
          f"{'ratio':>6s}")  # fmt: skip
    for name, papers, wall, cpu in rows:
        rate = papers / wall
        print(f"{name:52s} {papers:8d} {wall:7.1f} {rate:9.0f} {papers / cpu:9.0f} "
              f"{rate / base_rate:6.2f}")  # fmt: skip
    best = max(p / w for _, p, w, _ in rows[1:])
    verdict = "met" if best >= TARGET else "NOT met"
    print(f"target {TARGET:.0f} papers/s (parse + upsert): {verdict} (best {best:.0f}/s)")


if __name__ == "__main__":
    main()

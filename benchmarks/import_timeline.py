"""Where an import's time goes: ``coolpapers import`` of the ingest benchmark's pages, each
file's parsing and each transaction timed as they happen, with what the process did meanwhile.

    .venv/bin/python -m benchmarks.import_timeline --db sqlite --papers 20000
    tests/pg/cluster.sh .venv/bin/python -m benchmarks.import_timeline --db postgresql

Runs ``crawler.imports.import_files`` as the command runs it (the search index's hooks, the
start-up frozen, ``bulk_collection``) on the pages of ``benchmarks.ingest_bench`` written to
files, into a new SQLite file or a new database of the PostgreSQL server of ``--postgres`` (or
``COOLPAPERS_TEST_POSTGRES_URL``), dropped at the end. Prints the wall and CPU times, the CPU
time of the thread that runs the event loop and the time it waited in ``epoll`` (for the
database, or for a parsed file), the garbage collector's time, the process's context switches,
then each file's parsing and each transaction: when it started, how long it took, and the CPU
time of its thread; last, the event loop's waits by what the import was doing (writing a
file's papers, reading what is stored of them, the search index reading the papers' texts back
or writing its segment; anything else: waiting for a parsed file, committing). A diagnostic,
not a benchmark: ``python -m benchmarks`` does not run it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import selectors
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

import crawler.imports  # noqa: E402
import crawler.ingest  # noqa: E402
import search.indexing  # noqa: E402
import search.storage  # noqa: E402
from benchmarks import postgres  # noqa: E402
from benchmarks.ingest_bench import pages  # noqa: E402
from cli.context import bulk_collection, freeze_start_up, ingest_hooks  # noqa: E402
from cli.db import upgrade_database  # noqa: E402
from crawler.ingest import IngestHooks  # noqa: E402
from models.db import create_engine, session_factory  # noqa: E402


class Timeline:
    """Spans of work (what, start, wall, CPU of its thread), the event loop's waits in
    ``epoll`` and the collector's time, from ``start()``."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, float, float, float]] = []
        self.phase = "other"
        self.waits: dict[str, float] = {}
        self.waited = self.collector = 0.0
        self.collections = 0
        self._start = self._collecting = 0.0

    def start(self) -> None:
        self.spans.clear()
        self.waits.clear()
        self.waited = self.collector = 0.0
        self.collections = 0
        self._start = time.perf_counter()

    def span(self, what: str, started: float, cpu: float) -> None:
        now = time.perf_counter()
        self.spans.append((what, started - self._start, now - started, time.thread_time() - cpu))

    def collected(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            self.collector += time.perf_counter() - self._collecting
            self.collections += 1


# What the import is doing, by the coroutine that runs: the event loop's waits are counted
# under the innermost one running.
PHASES = (
    (crawler.ingest, "_load_stored", "reading what is stored of a file's papers"),
    (crawler.ingest, "_write_batch", "writing a file's papers"),
    (search.indexing, "paper_text_rows", "the index reading the papers' texts back"),
    (search.storage, "write_papers", "the index writing its segment"),
)


def _in_phase(timeline: Timeline, module: Any, name: str, phase: str) -> None:
    call = getattr(module, name)

    async def in_phase(*args: Any, **kwargs: Any) -> Any:
        outer, timeline.phase = timeline.phase, phase
        try:
            return await call(*args, **kwargs)
        finally:
            timeline.phase = outer

    setattr(module, name, in_phase)


def instrument(timeline: Timeline) -> None:
    """Time each file's parsing, each transaction and the event loop's waits."""
    parse = crawler.imports._parse

    def timed_parse(path: Path) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return parse(path)
        finally:
            timeline.span(f"parse {path.name}", started, cpu)

    commit = crawler.imports._commit_transaction

    async def timed_commit(run: Any, documents: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return await commit(run, documents)
        finally:
            timeline.span(f"transaction of {len(documents.taken)} files", started, cpu)

    crawler.imports._parse = timed_parse  # type: ignore[assignment]
    crawler.imports._commit_transaction = timed_commit  # type: ignore[assignment]
    select: Callable[..., Any] = selectors.EpollSelector.select
    main = threading.main_thread()

    def timed_select(self: Any, timeout: float | None = None) -> Any:
        started = time.perf_counter()
        try:
            return select(self, timeout)
        finally:
            if threading.current_thread() is main:
                waited = time.perf_counter() - started
                timeline.waited += waited
                timeline.waits[timeline.phase] = timeline.waits.get(timeline.phase, 0.0) + waited

    selectors.EpollSelector.select = timed_select  # type: ignore[method-assign]
    for module, name, phase in PHASES:
        _in_phase(timeline, module, name, phase)
    gc.callbacks.append(timeline.collected)


async def run_import(url: str, files: list[Path], timeline: Timeline, hooks: IngestHooks) -> int:
    engine = create_engine(url)
    try:
        timeline.start()
        result = await crawler.imports.import_files(session_factory(engine), files, hooks=hooks)
        return result.counts.new
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=20_000, help="papers to import")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("COOLPAPERS_TEST_POSTGRES_URL"),
        help="a PostgreSQL server's URL (default: COOLPAPERS_TEST_POSTGRES_URL)",
    )
    arguments = parser.parse_args()
    if arguments.db == "postgresql" and not arguments.postgres:
        raise SystemExit("--db postgresql needs --postgres URL or COOLPAPERS_TEST_POSTGRES_URL")
    timeline = Timeline()
    with tempfile.TemporaryDirectory() as directory:
        files = []
        for k, page in enumerate(pages(arguments.papers)):
            files.append(Path(directory) / f"page-{k:05d}.xml")
            files[-1].write_bytes(page)
        name = f"import_timeline_{os.getpid()}"
        if arguments.db == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(directory) / name}.db"
        else:
            postgres.run(arguments.postgres, f'CREATE DATABASE "{name}"')
            url = make_url(arguments.postgres).set(database=name)
            url = url.render_as_string(hide_password=False)
        try:
            upgrade_database(url)
            instrument(timeline)
            hooks = ingest_hooks()  # as the command line indexes what it imports
            freeze_start_up()  # as every command does once it is set up
            before = resource.getrusage(resource.RUSAGE_SELF)
            started, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
            with bulk_collection():  # as `coolpapers import` collects
                new = asyncio.run(run_import(url, files, timeline, hooks))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            loop_cpu = time.thread_time() - loop_cpu
            after = resource.getrusage(resource.RUSAGE_SELF)
        finally:
            if arguments.db == "postgresql":
                with suppress(Exception):
                    postgres.run(arguments.postgres, f'DROP DATABASE "{name}" WITH (FORCE)')
    print(
        f"{arguments.db}: {new} papers in {wall:.2f} s wall ({new / wall:.0f}/s), "
        f"{cpu:.2f} s CPU; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"the event loop's thread: {loop_cpu:.2f} s CPU, {timeline.waited:.2f} s waiting in "
        f"epoll; the collector {timeline.collector:.2f} s in {timeline.collections} passes; "
        f"context switches {after.ru_nvcsw - before.ru_nvcsw} voluntary, "
        f"{after.ru_nivcsw - before.ru_nivcsw} involuntary"
    )
    for what, at, took, thread_cpu in timeline.spans:
        print(
            f"  {what:28s} at {at:6.2f} s took {took:5.2f} s, its thread's CPU {thread_cpu:5.2f} s"
        )
    print("the event loop's waits in epoll, by what the import was doing:")
    for phase, waited in sorted(timeline.waits.items(), key=lambda item: -item[1]):
        print(f"  {waited:5.2f} s {'anything else' if phase == 'other' else phase}")


if __name__ == "__main__":
    main()

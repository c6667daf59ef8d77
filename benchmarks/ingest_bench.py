"""Ingest as users run it: parse, upsert and index OAI-PMH pages into SQLite and PostgreSQL,
beside parsing alone and upserting alone, measured in the same run.

    .venv/bin/python -m benchmarks.ingest_bench [--papers 100000]
    tests/pg/cluster.sh .venv/bin/python -m benchmarks.ingest_bench --db both --papers 20000

``--db`` picks the databases (sqlite, postgresql or both); PostgreSQL's server is the one of
``--postgres URL`` or of ``COOLPAPERS_TEST_POSTGRES_URL`` (as ``tests/pg/cluster.sh`` sets it),
in which each run creates a database of its own and drops it at the end. ``--rounds N`` runs
everything N times, the two databases in turn first, and gives the median of the rounds'
PostgreSQL / SQLite ratios: on a shared host whose speed swings from minute to minute, two
databases run once each one after the other compare the host as much as the databases.

The recorded 1000-record ``arXivRaw`` page (tests/fixtures/arxiv/oai/arxivsync_47001.xml) is
replicated into distinct papers: copy k has every ``0801.NNNN`` id rewritten to another
year and month (``1001.NNNN``, ``1002.NNNN``, ...), so each copy is 1000 new papers with the
recorded authors, versions and categories. Runs over the same pages:

- parse only: ``parse_document`` of every page, no database (the baseline);
- the index's analysis only: the pages parsed beforehand (not timed), each paper's terms
  numbered and digested as the index does before writing a segment
  (``search.segments.analyze``, a vocabulary per ``IMPORT_BATCH`` papers), no database;
- upsert only: the pages parsed beforehand (not timed), each ingested in its own
  transaction without the search index;
- parse + upsert: each page parsed, then ingested, without the search index;
- full: ``coolpapers import`` of the pages written to files (``crawler.imports.import_files``,
  not timed: writing the files), indexed as the command line indexes (``search.index_papers``
  as the ingest's hook, with ``search.foresee_papers``, which analyzes the papers while a
  batch is written on PostgreSQL): ``IMPORT_BATCH`` papers to a transaction and to a segment
  of the index, on PostgreSQL each file written as soon as it is parsed, the next file parsed
  in a worker thread meanwhile;
- a crawl: the first 2,000 papers only, page by page as a crawl commits them, each page
  indexed in its own transaction (the daily crawl's target).

Each database run starts from an empty migrated database (on SQLite: WAL, the project's
pragmas), in a fresh child process, so that the first commit of every run is cold (the
tokenizer, the statements and the caches are loaded by it). Reported: the first commit alone
(a page; for the import, ``IMPORT_BATCH`` papers) cold, and the rest (warm), papers per
second of wall clock and per CPU second of the process (all threads), the ratio to the
baseline, and the load average before and after. On a PostgreSQL server of the same machine,
the CPU time of the server's processes during each run is reported too (the server's work is
not the process's). The targets: the full path at least 3,000 papers/s wall; a daily crawl's
2,000 papers indexed within 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks import postgres  # noqa: E402
from cli.context import bulk_collection, freeze_start_up, ingest_hooks  # noqa: E402
from cli.db import upgrade_database  # noqa: E402
from crawler.imports import IMPORT_BATCH, import_files, prefetch  # noqa: E402
from crawler.ingest import NO_HOOKS, IngestHooks, ingest  # noqa: E402
from crawler.parse import parse_document  # noqa: E402
from models.db import create_engine, session_factory  # noqa: E402
from models.settings import Settings  # noqa: E402

PAGE = ROOT / "tests" / "fixtures" / "arxiv" / "oai" / "arxivsync_47001.xml"
TARGET = 3000.0
DAILY_PAPERS = 2000
DAILY_SECONDS = 2.0
RUNS = {
    "parse": "parse only (baseline)",
    "analysis": "the index's analysis only (parsed beforehand)",
    "upsert": "upsert only, no index (parsed beforehand)",
    "parse+upsert": "parse + upsert, no index",
    "full": "full: coolpapers import of the pages' files",
    "crawl": "a crawl: each page indexed in its transaction",
}


MONTHS = 90 * 12  # 2010 to 2099: the months of new-style ids


def pages(papers: int) -> list[bytes]:
    """Copies of the recorded page, each with ids of its own (1000 papers per copy): copy k
    has its month (``1001``, ``1002``, ...), and past the 1,080 months of 2010 to 2099 the
    five-digit numbers of the same months (``1001.1NNNN``, then ``1001.2NNNN``, ...)."""
    data = PAGE.read_bytes()
    copies = []
    for k in range(max(1, papers // 1000)):
        month = k % MONTHS
        prefix = f"{10 + month // 12:02d}{month % 12 + 1:02d}."
        if k >= MONTHS:
            prefix += str(k // MONTHS)
        copies.append(re.sub(rb"\b0801\.(\d{4})", prefix.encode() + rb"\1", data))
    return copies


class Clock:
    """Wall and process CPU time of each page, the first (cold) apart from the rest; with a
    local PostgreSQL server's process id, the CPU time of its processes from the start to the
    last page (read while the run's connection is still open: a backend that has exited may
    be missed for a moment between its own figures and its parent's)."""

    def __init__(self, server: int | None = None) -> None:
        self.pages: list[tuple[int, float, float]] = []
        self.server, self.server_cpu = server, 0.0
        self._server_start = 0.0
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self._loop_start, self.loop_cpu = time.thread_time(), 0.0
        self.collector, self.collections = 0.0, 0  # the garbage collector's time, its passes
        self._collecting = 0.0
        gc.callbacks.append(self._collected)

    def _collected(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            self.collector += time.perf_counter() - self._collecting
            self.collections += 1

    def tick(self, papers: int) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.pages.append((papers, wall - self._wall, cpu - self._cpu))
        self._wall, self._cpu = wall, cpu

    def restart(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self._loop_start = time.thread_time()  # the thread that runs the event loop
        self.collector, self.collections = 0.0, 0
        if self.server:
            self._server_start = server_cpu(self.server)

    def finish(self) -> None:
        self.loop_cpu = time.thread_time() - self._loop_start
        gc.callbacks.remove(self._collected)
        if self.server:
            self.server_cpu = server_cpu(self.server) - self._server_start


async def _store(url: str, batches: AsyncIterator[list], clock: Clock, hooks: IngestHooks) -> int:
    """Ingest each batch of papers in its own transaction; returns how many were new."""
    engine = create_engine(url, settings=Settings(DATABASE_URL=url))
    sessions = session_factory(engine)
    stored = 0
    try:
        clock.restart()
        async for papers in batches:
            async with sessions.begin() as session:
                counts = await ingest(session, papers, hooks=hooks)
            stored += counts.new
            clock.tick(len(papers))
        clock.finish()
    finally:
        await engine.dispose()
    return stored


async def _import(url: str, files: list[Path], clock: Clock, hooks: IngestHooks) -> int:
    """``coolpapers import FILES`` (``crawler.imports.import_files``); returns how many papers
    were new. The clock ticks at each commit (``IMPORT_BATCH`` papers)."""
    engine = create_engine(url, settings=Settings(DATABASE_URL=url))
    try:
        clock.restart()
        sessions = session_factory(engine)
        result = await import_files(sessions, files, hooks=hooks, committed=clock.tick)
        clock.finish()
    finally:
        await engine.dispose()
    return result.counts.new


async def _in_turn(items: Iterable[list]) -> AsyncIterator[list]:
    for item in items:
        yield item


def _proc_stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as stat:
        data = stat.read()
    return data[data.rindex(")") + 2 :].split()  # from the state on


def _server_root(url: str) -> int | None:
    """The process id of the PostgreSQL server of ``url`` when it runs on this machine (the
    parent of a backend of ours); None when it cannot be seen from here."""
    try:
        with postgres.connect(url) as connection:
            backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
            root = int(_proc_stat(backend)[1])
        with open(f"/proc/{root}/comm") as name:  # a process of this machine's, not the server
            return root if name.read().strip().startswith("postgres") else None
    except (OSError, IndexError, ValueError):
        return None


def server_cpu(root: int) -> float:
    """CPU seconds of a server's processes: its own, its children's that ended (as the kernel
    counts them for it) and those of its children still running."""
    tick = os.sysconf("SC_CLK_TCK")
    total = sum(int(v) for v in _proc_stat(root)[11:15])  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = _proc_stat(int(entry))
            except OSError:
                continue
            if int(stat[1]) == root:
                total += int(stat[11]) + int(stat[12])
    return total / tick


def run_one(kind: str, papers: int, url: str) -> dict[str, object]:
    """One run in this process, into the database of ``url``: its per-page times, and on a
    PostgreSQL server of this machine, the CPU time its processes spent meanwhile."""
    copies = pages(min(papers, DAILY_PAPERS) if kind == "crawl" else papers)
    root = _server_root(url) if url.startswith("postgresql") else None
    clock = Clock(root)
    hooks = NO_HOOKS
    if kind in ("full", "crawl"):
        hooks = ingest_hooks()  # as the command line indexes what it imports
    freeze_start_up()  # as every command does once it is set up (cli.context.services)
    if kind == "parse":
        clock.restart()
        for page in copies:
            clock.tick(len(parse_document(page).papers))
        stored = sum(p for p, _, _ in clock.pages)
    elif kind == "analysis":
        stored = _analyze([parse_document(page).papers for page in copies], clock)
    else:
        upgrade_database(url)
        if kind == "upsert":
            parsed = [parse_document(page).papers for page in copies]
            batches = _in_turn(parsed)
        elif kind == "parse+upsert":
            batches = _in_turn(parse_document(page).papers for page in copies)
        elif kind == "full":
            with tempfile.TemporaryDirectory() as directory:
                files = []
                for k, page in enumerate(copies):
                    files.append(Path(directory) / f"page-{k:05d}.xml")
                    files[-1].write_bytes(page)
                del copies
                with bulk_collection():  # as `coolpapers import` collects
                    stored = asyncio.run(_import(url, files, clock, hooks))
            return _result(stored, clock, root)
        else:
            batches = prefetch(parse_document(page).papers for page in copies)
        with bulk_collection() if kind == "crawl" else nullcontext():  # as `coolpapers crawl`
            stored = asyncio.run(_store(url, batches, clock, hooks))
    return _result(stored, clock, root if kind not in ("parse", "analysis") else None)


def _analyze(parsed: list[list], clock: Clock) -> int:
    """The index's analysis of parsed pages, as it runs on the papers it writes."""
    from search.documents import record_text
    from search.options import shared_analyzer
    from search.segments import Vocabulary, analyze

    analyzer = shared_analyzer()
    vocabulary, counted = Vocabulary(), 0
    clock.restart()
    for records in parsed:
        for record in records:
            analyze(analyzer, vocabulary, record_text(record))
            counted += 1
            if counted % IMPORT_BATCH == 0:  # a segment's vocabulary
                vocabulary = Vocabulary()
        clock.tick(len(records))
    return counted


def _result(stored: int, clock: Clock, root: int | None) -> dict[str, object]:
    result: dict[str, object] = {"stored": stored, "pages": clock.pages, "loop": clock.loop_cpu}
    result["collector"] = (clock.collector, clock.collections)
    if root:
        result["server_cpu"] = clock.server_cpu
    return result


def run_child(kind: str, papers: int, db: str, directory: Path, server: str | None) -> dict:
    """``run_one`` in a fresh interpreter (everything cold at its first page)."""
    name = f"ingest_{kind.replace('+', '_')}_{os.getpid()}"
    if db == "sqlite":
        database = directory / f"{name}.db"
        url = f"sqlite+aiosqlite:///{database}"
    else:
        assert server is not None
        postgres.run(server, f'DROP DATABASE IF EXISTS "{name}"')
        postgres.run(server, f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    command = [sys.executable, "-m", "benchmarks.ingest_bench", "--papers", str(papers)]
    command += ["--child", kind, "--url", url]
    try:
        output = subprocess.run(
            command, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        if kind in ("parse", "analysis"):
            result["mib"] = 0.0
        elif db == "sqlite":
            result["mib"] = database.stat().st_size / 2**20
        else:
            size = postgres.run(server, f"SELECT pg_database_size('{name}')")  # type: ignore[arg-type]
            result["mib"] = size[0][0] / 2**20
    finally:
        if db == "postgresql":
            postgres.run(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        else:
            for leftover in directory.glob(f"{name}.db*"):  # the next round starts empty
                leftover.unlink()
    return result


def _rate(rows: list[list[float]]) -> tuple[int, float, float]:
    papers = int(sum(r[0] for r in rows))
    return papers, sum(r[1] for r in rows), sum(r[2] for r in rows)


def report(results: dict[str, dict], db: str) -> dict[str, float]:
    """Prints the runs on ``db``; returns each run's papers per second, all pages."""
    print(
        f"{db + ': run':52s} {'first ms':>13s} {'warm papers/s':>13s} {'per CPU s':>9s} "
        f"{'all papers/s':>12s} {'ratio':>6s}"
    )
    base = None
    rates = {}
    for kind, name in RUNS.items():
        if kind not in results:
            continue
        result = results[kind]
        first, rest = result["pages"][0], result["pages"][1:] or result["pages"]
        n_all, wall_all, _ = _rate(result["pages"])
        n_warm, wall_warm, cpu_warm = _rate(rest)
        rate = rates[kind] = n_all / wall_all
        base = base or rate
        label = name + (f" {result['mib']:.0f} MiB" if result.get("mib") else "")
        print(
            f"{label:52s} {first[1] * 1000:13.0f} {n_warm / wall_warm:13.0f} "
            f"{n_warm / max(cpu_warm, 1e-9):9.0f} {rate:12.0f} {rate / base:6.2f}"
        )
    if any("server_cpu" in results.get(kind, {}) for kind in RUNS):
        print("the PostgreSQL server's processes meanwhile (all pages):")
        for kind, name in RUNS.items():
            if "server_cpu" not in results.get(kind, {}):
                continue
            n_all, _, cpu_all = _rate(results[kind]["pages"])
            both = cpu_all + results[kind]["server_cpu"]
            print(
                f"  {name}: server CPU {results[kind]['server_cpu']:.2f} s, client "
                f"{cpu_all:.2f} s: {n_all / max(both, 1e-9):.0f} papers per CPU s of both"
            )
    if "full" not in results:
        return rates
    full = results["full"]["pages"]
    rate = rates["full"]
    n_all, wall_all, cpu_all = _rate(full)
    print(
        f"full: the event loop's thread {results['full']['loop']:.2f} s CPU, the process "
        f"{cpu_all:.2f} s, in {wall_all:.2f} s wall (the loop waits for the database and "
        "for parsed files the rest of the time)"
    )
    collector, collections = results["full"]["collector"]
    print(f"full: the garbage collector {collector:.2f} s wall in {collections} passes")
    verdict = "met" if rate >= TARGET else "NOT met"
    print(f"target {TARGET:.0f} papers/s wall, full path, all pages: {verdict} ({rate:.0f}/s)")
    if len(full) >= 10:  # the rate as the archive grows: each tenth of the commits
        tenth = len(full) // 10
        parts = [_rate(full[k * tenth : (k + 1) * tenth]) for k in range(10)]
        print(
            "full path by tenth of the commits, papers/s wall (per CPU s): "
            + ", ".join(f"{n / wall:.0f} ({n / max(cpu, 1e-9):.0f})" for n, wall, cpu in parts)
        )
    if "crawl" not in results:
        return rates
    daily = _rate(results["crawl"]["pages"][: max(1, DAILY_PAPERS // 1000)])
    verdict = "met" if daily[1] <= DAILY_SECONDS else "NOT met"
    print(
        f"a daily crawl's first {daily[0]} papers (cold process) indexed in {daily[1]:.2f} s "
        f"wall, {daily[2]:.2f} s CPU: {verdict} (target {DAILY_SECONDS} s)"
    )
    return rates


def compare(rates: dict[str, dict[str, float]]) -> None:
    """PostgreSQL's rates against SQLite's: the target is at least as fast."""
    for kind, name in RUNS.items():
        if kind in ("parse", "analysis") or kind not in rates["sqlite"]:
            continue
        ratio = rates["postgresql"][kind] / rates["sqlite"][kind]
        verdict = "met" if ratio >= 1.0 else "NOT met"
        print(f"PostgreSQL / SQLite, {name}: {ratio:.2f} ({verdict}, target >= 1)")


def compare_rounds(rounds: list[dict[str, dict[str, float]]]) -> None:
    """Each round's PostgreSQL / SQLite ratio and their median, the target's verdict: the two
    databases ran one after the other in each round, in turn first, so that the host's
    swings between two rounds do not fall on one database only."""
    for kind, name in RUNS.items():
        if kind in ("parse", "analysis") or kind not in rounds[0]["sqlite"]:
            continue
        ratios = [r["postgresql"][kind] / r["sqlite"][kind] for r in rounds]
        middle = statistics.median(ratios)
        verdict = "met" if middle >= 1.0 else "NOT met"
        print(
            f"PostgreSQL / SQLite, {name}, {len(rounds)} rounds: "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; median {middle:.2f} "
            f"({verdict}, target >= 1)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000, help="papers to ingest")
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="sqlite", help="databases"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("COOLPAPERS_TEST_POSTGRES_URL"),
        help="a PostgreSQL server's URL (default: COOLPAPERS_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--runs",
        default=",".join(RUNS),
        help=f"comma-separated runs, among {', '.join(RUNS)} (default: all; parse is the baseline)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of the runs (with --db both: the databases in turn first, and the median "
        "of the rounds' ratios)",
    )
    parser.add_argument("--child", choices=sorted(RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(run_one(arguments.child, arguments.papers, arguments.url)))
        return
    dbs = ["sqlite", "postgresql"] if arguments.db == "both" else [arguments.db]
    kinds = [kind for kind in RUNS if kind in arguments.runs.split(",")]
    if not kinds:
        raise SystemExit(f"--runs: none of {', '.join(RUNS)}")
    if "postgresql" in dbs and not arguments.postgres:
        raise SystemExit("--db postgresql needs --postgres URL or COOLPAPERS_TEST_POSTGRES_URL")
    copies = pages(arguments.papers)
    print(
        f"{len(copies)} pages of 1000 records ({sum(map(len, copies)) / 2**20:.0f} MiB); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    rounds: list[dict[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as directory:
        for round_number in range(arguments.rounds):
            if arguments.rounds > 1:
                print(f"round {round_number + 1}; load average {os.getloadavg()[0]:.2f}")
            rates = {}
            for db in dbs if round_number % 2 == 0 else dbs[::-1]:
                results = {}
                for kind in kinds:
                    results[kind] = run_child(
                        kind, arguments.papers, db, Path(directory), arguments.postgres
                    )
                    expected = min(
                        len(copies) * 1000,
                        DAILY_PAPERS if kind == "crawl" else len(copies) * 1000,
                    )
                    if results[kind]["stored"] != expected:
                        raise SystemExit(
                            f"{db} {kind}: stored {results[kind]['stored']} of {expected}"
                        )
                rates[db] = report(results, db)
            if len(dbs) == 2:
                compare(rates)
            rounds.append(rates)
    if len(dbs) == 2 and len(rounds) > 1:
        compare_rounds(rounds)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

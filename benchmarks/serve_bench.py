"""`coolpapers serve` on a large archive: the time from its start to its first answer, its first
search, and its resident size after a search load, with the search cache's budget
(SEARCH_CACHE_MB) small and large, beside the cache's own accounting.

    .venv/bin/python -m benchmarks.serve_bench --papers 100000
    .venv/bin/python -m benchmarks.serve_bench --database /path/coolpapers.db --budgets 16,1024

Without ``--database`` the papers of ``benchmarks.search_bench`` are made, loaded into a new
SQLite database and indexed as ``coolpapers index rebuild`` does (segments merged into one);
with it, an existing database is served (one kept by ``search_bench --keep``, whose
``queries.json`` beside it gives the queries; else they are made from the same corpus of
``--papers`` papers). The queries are ``search_bench``'s 200 (rare words, common words,
phrases, three words).

Each budget gets a fresh server: ``coolpapers serve`` as its command runs it (uvicorn, one
worker, on 127.0.0.1), in a child process that also answers SIGUSR1 by writing the search
cache's own accounting to a file (``search.loaded``: the posting lists and the scores kept, in
bytes as the cache counts them and as the objects take them, with Python's object headers),
and SIGUSR2 by first returning freed memory to the system (``malloc_trim``), so that what the
process still holds can be told from what the allocator keeps. The load is ``--rounds`` rounds
of the queries through ``/api/search`` over loopback, one at a time. The resident size (VmRSS,
and its peak VmHWM) is read from /proc after each round. The baseline of the start-up time is
the same server on an empty database, started in the same run. With ``--watch SECONDS``, a
fresh server is then searched from its start for that long, while the related papers' vectors
of the archive are built: the slowest request of each second, and the resident size each
second, whose jump tells when the vectors came (``--budgets ""`` leaves out the budgets' runs).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- in the served process


def _cache_accounting() -> dict[str, float]:
    """What the search cache of this process holds, as it counts it and as the objects take."""
    from search import loaded
    from search.options import current

    lists = scores = list_objects = score_objects = papers = 0
    entries = kept_scores = 0
    seen_lists: set[int] = set()
    seen_scores: set[int] = set()
    for index in list(loaded._loaded.values()):
        with index.lock:
            lists += index.cached_bytes
            entries += len(index.lists)
            for key, found in index.lists.items():
                list_objects += (
                    _deep_size(key, seen_lists) + _deep_size(found, seen_lists) + 100
                )  # the dict's entry
            papers += index.alive.nbytes + index.lengths.nbytes + index.days.nbytes
        with index.scores.lock:
            scores += index.scores.bytes
            kept_scores += len(index.scores)
            for key in index.scores:
                value = index.scores._kept[key]
                score_objects += _deep_size(key, seen_scores) + _deep_size(value, seen_scores) + 100
    return {
        "budget_bytes": current().cache_bytes,
        "lists": entries,
        "lists_bytes": lists,
        "lists_object_bytes": list_objects,
        "scores": kept_scores,
        "scores_bytes": scores,
        "scores_object_bytes": score_objects,
        "paper_arrays_bytes": papers,
    }


def _deep_size(value: object, seen: set[int] | None = None) -> int:
    """The bytes of ``value`` and of the tuples, arrays and bytes it holds (each once)."""
    import numpy as np

    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, np.ndarray):
        if value.base is not None:  # a view: the buffer it looks into
            size += _deep_size(value.base, seen)
        return size
    if isinstance(value, tuple | list):
        return size + sum(_deep_size(v, seen) for v in value)
    slots = getattr(type(value), "__slots__", ())
    return size + sum(_deep_size(getattr(value, s), seen) for s in slots if hasattr(value, s))


def _child(stats: str, argv: list[str]) -> None:
    """``coolpapers serve`` with the signal handlers above (SIGUSR1, SIGUSR2)."""
    import ctypes
    import gc

    def dump(trim: bool) -> None:
        if trim:
            gc.collect()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path(stats).write_text(json.dumps(_cache_accounting()))

    signal.signal(signal.SIGUSR1, lambda *_: dump(False))
    signal.signal(signal.SIGUSR2, lambda *_: dump(True))
    from cli.main import main

    main(["serve", *argv])


# ---------------------------------------------------------------- the benchmark


def _memory(pid: int) -> dict[str, int]:
    """The process's resident sizes in bytes, from /proc."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0]) * 1024
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A served site in a child process, its accounting read through a file."""

    def __init__(self, database: Path, budget_mb: int, workdir: Path) -> None:
        self.port = _free_port()
        self.stats = workdir / f"stats-{self.port}.json"
        env = dict(os.environ)
        env.update(
            COOLPAPERS_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
            COOLPAPERS_SEARCH_CACHE_MB=str(budget_mb),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        self.log = (workdir / f"serve-{self.port}.log").open("wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.serve_bench",
                "--child",
                str(self.stats),
                "--port",
                str(self.port),
            ],
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def ready(self, client, timeout: float = 300.0) -> float:
        """Seconds from the start to the first 200 of a static file."""
        import httpx

        while time.perf_counter() - self.started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped; see {self.log.name}")
            try:
                if client.get(self.base + "/static/style.css").status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise RuntimeError("the server did not answer in time")

    def accounting(self, trim: bool = False) -> dict[str, float]:
        self.stats.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR2 if trim else signal.SIGUSR1)
        for _ in range(1000):
            if self.stats.exists():
                try:
                    found = json.loads(self.stats.read_text())
                except json.JSONDecodeError:  # being written
                    found = None
                if found is not None:
                    return {**found, **_memory(self.process.pid)}
            time.sleep(0.01)
        raise RuntimeError("no accounting from the server")

    def stop(self, failed: bool = False) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()
        if failed:
            print(Path(self.log.name).read_text()[-5000:], file=sys.stderr)


def _mb(n: float) -> str:
    return f"{n / 2**20:.1f}"


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _queries(database: Path | None, papers: int) -> list[str]:
    from benchmarks.search_bench import QUERIES_FILE, BenchQuery, make_corpus, make_queries

    saved = database.parent / QUERIES_FILE if database is not None else None
    if saved is not None and saved.exists():
        pairs = json.loads(saved.read_text())
        return [BenchQuery(kind, tuple(words)).ours() for kind, words in pairs]
    return [q.ours() for q in make_queries(make_corpus(papers))]


def _build(papers: int, workdir: Path) -> tuple[Path, list[str]]:
    """A database of ``papers`` papers of search_bench's corpus, indexed and compacted."""
    import asyncio

    from benchmarks.search_bench import _load_papers, make_corpus, make_queries
    from models.db import create_engine, session_factory
    from models.settings import Settings
    from search import rebuild_index

    corpus = make_corpus(papers)
    path = workdir / "coolpapers.db"
    _load_papers(path, corpus)
    url = f"sqlite+aiosqlite:///{path}"

    async def index() -> None:
        engine = create_engine(url, settings=Settings(DATABASE_URL=url))
        await rebuild_index(session_factory(engine))
        await engine.dispose()

    started = time.perf_counter()
    asyncio.run(index())
    print(f"built and indexed {papers} papers in {time.perf_counter() - started:.0f} s")
    return path, [q.ours() for q in make_queries(corpus)]


def _empty_database(workdir: Path) -> Path:
    from cli.db import upgrade_database

    path = workdir / "empty.db"
    upgrade_database(f"sqlite+aiosqlite:///{path}")
    return path


def _seconds(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def _rare_words(database: Path, n: int) -> list[str]:
    """``n`` words of the index that few papers hold (at most five), in the terms' order."""
    import sqlite3

    from search.schema import POSTINGS_TABLE

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            f"SELECT DISTINCT term FROM {POSTINGS_TABLE} WHERE df <= 5 AND term GLOB '[a-z]*'"
            " AND term NOT GLOB '*[^a-z]*' ORDER BY term LIMIT ?",
            (n,),
        ).fetchall()
    finally:
        connection.close()
    return [term for (term,) in rows]


def run_budget(
    database: Path,
    budget: int,
    queries: list[str],
    rounds: int,
    workdir: Path,
    rare: list[str] = (),  # type: ignore[assignment]
):
    import httpx

    server = Server(database, budget, workdir)
    try:
        with httpx.Client(timeout=120) as client:
            ready = server.ready(client)
            before = server.accounting()
            t0 = time.perf_counter()
            first = client.get(server.base + "/api/search", params={"q": queries[0], "limit": 10})
            first.raise_for_status()
            first_search = time.perf_counter() - t0
            print(
                f"budget {budget} MiB: ready (first 200) in {ready:.2f} s; first search "
                f"{first_search * 1000:.0f} ms; RSS before the load {_mb(before['VmRSS'])} MiB "
                f"(load average {_load()})",
                flush=True,
            )
            rows = []
            passes = [(f"round {n}", queries) for n in range(1, rounds + 1)]
            if rare:
                passes.append((f"{len(rare)} rare words", list(rare)))
            for number, chosen in passes:
                cpu = _cpu_seconds(server.process.pid)
                latencies = []
                started = time.perf_counter()
                for q in chosen:
                    t = time.perf_counter()
                    response = client.get(server.base + "/api/search", params={"q": q, "limit": 10})
                    response.raise_for_status()
                    latencies.append(time.perf_counter() - t)
                wall = time.perf_counter() - started
                cpu = _cpu_seconds(server.process.pid) - cpu
                stats = server.accounting()
                rows.append((number, latencies, wall, cpu, stats))
                print(
                    f"  {number}: p50 {_percentile(latencies, 50):.1f} ms, p99 "
                    f"{_percentile(latencies, 99):.1f} ms, {wall:.1f} s wall, server CPU "
                    f"{cpu:.1f} s; RSS {_mb(stats['VmRSS'])} MiB (peak {_mb(stats['VmHWM'])}); "
                    f"cache: {stats['lists']} lists {_mb(stats['lists_bytes'])} MiB counted, "
                    f"{_mb(stats['lists_object_bytes'])} MiB as objects; {stats['scores']} "
                    f"scores {_mb(stats['scores_bytes'])} MiB counted, "
                    f"{_mb(stats['scores_object_bytes'])} MiB as objects; load {_load()}",
                    flush=True,
                )
            trimmed = server.accounting(trim=True)
            print(
                f"  after gc and malloc_trim: RSS {_mb(trimmed['VmRSS'])} MiB "
                f"(anonymous {_mb(trimmed['RssAnon'])}, file {_mb(trimmed['RssFile'])}); "
                f"per-paper arrays {_mb(trimmed['paper_arrays_bytes'])} MiB",
                flush=True,
            )
        return ready, first_search, before, rows, trimmed
    except BaseException:
        server.stop(failed=True)
        raise
    finally:
        if server.process.poll() is None:
            server.stop()


def watch(database: Path, queries: list[str], seconds: float, workdir: Path) -> None:
    """A fresh server (the default budget) searched one query at a time from its start for
    ``seconds``, while the related papers' vectors of the archive are built (in a child
    process, then taken in by the server): the slowest request of each second, and the
    server's anonymous resident size each second, whose jump tells when the vectors came."""
    import httpx

    server = Server(database, 1024, workdir)
    try:
        with httpx.Client(timeout=600) as client:
            ready = server.ready(client)
            slowest: dict[int, float] = {}
            anonymous: dict[int, int] = {}
            started = time.perf_counter()
            n = 0
            while time.perf_counter() - started < seconds:
                t = time.perf_counter()
                params = {"q": queries[n % len(queries)], "limit": 10}
                client.get(server.base + "/api/search", params=params).raise_for_status()
                second = int(t - started)
                slowest[second] = max(slowest.get(second, 0.0), time.perf_counter() - t)
                if second not in anonymous:
                    anonymous[second] = _memory(server.process.pid)["RssAnon"]
                n += 1
            memory = _memory(server.process.pid)
        grew = [
            (s, anonymous[s] - anonymous[s - 1])
            for s in sorted(anonymous)
            if s - 1 in anonymous and anonymous[s] - anonymous[s - 1] > 256 * 2**20
        ]
        worst = sorted(slowest, key=slowest.__getitem__, reverse=True)[:5]
        over = [s for s, v in slowest.items() if v > 0.1]
        print(
            f"watch: ready in {ready:.2f} s, then {n} searches in {seconds:.0f} s "
            f"({n / seconds:.0f}/s); seconds with a request over 100 ms: {len(over)} of "
            f"{len(slowest)}; the slowest: "
            + ", ".join(f"{slowest[s] * 1000:.0f} ms (second {s})" for s in worst)
            + "; anonymous memory grew by "
            + (", ".join(f"{_mb(b)} MiB at second {s}" for s, b in grew) or "no jump")
            + f"; RSS at the end {_mb(memory['VmRSS'])} MiB (anonymous "
            f"{_mb(memory['RssAnon'])}, file {_mb(memory['RssFile'])}); load {_load()}",
            flush=True,
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=None, help="an indexed SQLite database to serve")
    parser.add_argument("--papers", type=int, default=100_000, help="papers to build (or made)")
    parser.add_argument("--budgets", default="16,1024", help="SEARCH_CACHE_MB values, MiB")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the queries")
    parser.add_argument(
        "--rare",
        type=int,
        default=0,
        help="after the rounds, this many one-word queries of rare words of the index (the"
        " cache then holds many small lists)",
    )
    parser.add_argument("--workdir", default=None, help="where to build (default: a temp dir)")
    parser.add_argument(
        "--starts", type=int, default=3, help="starts timed on the empty database and the archive"
    )
    parser.add_argument(
        "--watch",
        type=float,
        default=0,
        help="then search a fresh server for this many seconds from its start, while the"
        " related papers' vectors are built (0: not)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        print(f"load average {_load()}, {os.cpu_count()} cores", flush=True)
        if args.database:
            database = Path(args.database).resolve()
            queries = _queries(database, args.papers)
        else:
            database, queries = _build(args.papers, workdir)
        size = database.stat().st_size
        print(f"serving {database} ({size / 1e9:.2f} GB), {len(queries)} queries", flush=True)
        import httpx

        empty = _empty_database(workdir)
        baselines, readies, searches, cpus = [], [], [], []
        idle: dict[str, int] = {}
        for _ in range(args.starts):  # the empty database and the archive in turn
            for path, times in ((empty, baselines), (database, readies)):
                server = Server(path, 1024, workdir)
                try:
                    with httpx.Client(timeout=120) as client:
                        times.append(server.ready(client))
                        cpus.append(_cpu_seconds(server.process.pid))
                        if path == empty:
                            idle = _memory(server.process.pid)
                        else:
                            t0 = time.perf_counter()
                            params = {"q": queries[0], "limit": 10}
                            client.get(server.base + "/api/search", params=params)
                            searches.append(time.perf_counter() - t0)
                finally:
                    server.stop()
        baseline = sorted(baselines)[len(baselines) // 2]
        print(
            f"baseline: serve on an empty database ready in {_seconds(baselines)} s "
            f"(CPU {_seconds(cpus[0::2])} s), "
            f"RSS {_mb(idle['VmRSS'])} MiB (load average {_load()})",
            flush=True,
        )
        print(
            f"serve on the archive: ready in {_seconds(readies)} s (CPU {_seconds(cpus[1::2])} s)"
            f", then the first search "
            f"in {_seconds(searches)} s; median ready / empty database's "
            f"{sorted(readies)[len(readies) // 2] / baseline:.2f} (load average {_load()})",
            flush=True,
        )
        for budget in (int(b) for b in args.budgets.split(",") if b):
            rare = _rare_words(database, args.rare) if args.rare else []
            ready, *_ = run_budget(database, budget, queries, args.rounds, workdir, rare)
            print(f"  ready time / empty database's: {ready / baseline:.2f}", flush=True)
        if args.watch:
            watch(database, queries, args.watch, workdir)
        print(f"load average at the end {_load()}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3:])
    else:
        main()

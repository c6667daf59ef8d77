"""Mixed load: 32 clients cycling through the pages and APIs readers use, on a 1,000-paper
archive, alone and while an import writes, against a bare endpoint measured in the same run.

    .venv/bin/python -m benchmarks.mixed_bench [--duration 15] [--clients 32]

The archive: the 1,000 synthetic papers of ``benchmarks.web_bench`` (abstracts of about 1,200
characters with TeX formulas) announced in cs.LG over five days (200 a day), ingested with the
search index's hook installed, as an import does. ``coolpapers serve``'s site
(``cli.serve:served_site``, uvicorn with uvloop and httptools, one worker) is loaded over
127.0.0.1 by 32 clients, each cycling through: the home page, the latest list, a paper's
page, a search page, the search API, a paper's JSON and the list's feed. The clients are wrk's
(Debian's ``wrk``, in C, with a Lua script for the cycle) when it is installed, so that the load
generator is not the limit on the 2 shared cores; ``--generator httpx`` uses asyncio/httpx
clients in Python instead, which also report each path's figures. Three runs:
a bare Starlette endpoint returning a small JSON body (the baseline: what the clients and the
server stack cost by themselves), the site alone, and the site while ``coolpapers import``
loads recorded OAI-PMH pages again and again in another process. Reported: requests per
second, p50 and p99 overall and per path, errors, the resident size of the served process
after its run, and the load average before and after each run. Targets: at least 400 req/s
with p99 under 300 ms; p99 under 1 s while an import writes.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.web_bench import (  # noqa: E402
    CATEGORY,
    DAY,
    add_loop_option,
    free_port,
    make_records,
    run_wrk,
    server_stack,
    use_loop,
)

PAPERS = 1000
DAYS = 5
OAI = ROOT / "tests" / "fixtures" / "arxiv" / "oai"
IMPORTED = [OAI / "arxivsync_436115-5001.trimmed.xml", OAI / "hepcrawl_arxiv-physics-hep-ex.xml"]
PAPER = "2411.10001"
PATHS = [
    "/",
    f"/arxiv/{CATEGORY}",
    f"/arxiv/{PAPER}",
    "/search?q=attention+model",
    "/api/search?q=transformer",
    f"/api/papers/{PAPER}",
    f"/arxiv/{CATEGORY}/feed",
]
TARGET_RPS, TARGET_P99_MS, TARGET_IMPORT_P99_MS = 400.0, 300.0, 1000.0


def build_database(directory: Path) -> str:
    """The archive, indexed as an import indexes it."""
    import search
    from cli.db import upgrade_database
    from crawler.ingest import IngestHooks, ingest
    from models.db import create_engine, session_factory
    from models.settings import Settings

    url = f"sqlite+aiosqlite:///{directory / 'mixed.db'}"
    upgrade_database(url)
    hooks = IngestHooks(papers_changed=search.index_papers)
    records = []
    for i, record in enumerate(make_records(PAPERS)):
        day = DAY - dt.timedelta(days=i % DAYS)
        announcement = dataclasses.replace(record.announcement, announced_on=day)
        records.append(dataclasses.replace(record, announcement=announcement))

    async def fill() -> None:
        engine = create_engine(settings=Settings(DATABASE_URL=url))
        try:
            async with session_factory(engine).begin() as session:
                await ingest(session, records, hooks=hooks)
        finally:
            await engine.dispose()

    asyncio.run(fill())
    return url


def bare_app():
    """The baseline: a bare Starlette endpoint answering every path with a small JSON body."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def answer(request):
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/{path:path}", answer)])


def start_server(factory: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    loop, http = server_stack()
    command = [
        sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--no-access-log", "--loop", loop,
        "--http", http,
    ]  # fmt: skip  # each option beside its value
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/", timeout=5).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{factory} did not start")
        time.sleep(0.1)


def resident_mb(pid: int) -> tuple[float, float]:
    """Resident size and its peak, MB, of a process."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def importing(env: dict[str, str], stop: threading.Event) -> int:
    """``coolpapers import`` of the recorded pages again and again until ``stop``."""
    runs = 0
    while not stop.is_set():
        command = [sys.executable, "-c", "from cli.main import main; main()", "import"]
        done = subprocess.run(
            [*command, *map(str, IMPORTED)], cwd=ROOT, env=env, capture_output=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode()[-2000:])
        runs += 1
    return runs


async def load(url: str, clients: int, duration: float) -> list[tuple[str, int, float]]:
    seen: list[tuple[str, int, float]] = []
    until = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients)

    async def client_loop(client: httpx.AsyncClient, number: int) -> None:
        turn = number
        while time.monotonic() < until:
            path = PATHS[turn % len(PATHS)]
            started = time.monotonic()
            try:
                status = (await client.get(path)).status_code
            except httpx.HTTPError:
                status = 0
            seen.append((path, status, time.monotonic() - started))
            turn += 1

    headers = {"accept-encoding": "gzip"}
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits, headers=headers) as c:
        await asyncio.gather(*(client_loop(c, n) for n in range(clients)))
    return seen


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000 if ordered else 0.0


def run(name: str, factory: str, env: dict[str, str], args, with_import: bool = False) -> dict:
    before = os.getloadavg()[0]
    process, url = start_server(factory, env)
    stop, writer, runs = threading.Event(), None, [0]
    try:
        if with_import:

            def write() -> None:
                runs[0] = importing({**os.environ, **env}, stop)

            writer = threading.Thread(target=write)
            writer.start()
        if args.warm_up:  # the site's start-up work in the background (vectors, index)
            warm(url, args.clients, args.warm_up, args.generator)
        if args.generator == "wrk":
            loaded = wrk_mix(url, args.clients, args.duration)
        else:
            started = time.monotonic()
            seen = asyncio.run(load(url, args.clients, args.duration))
            loaded = summary(seen, time.monotonic() - started)
        rss = resident_mb(process.pid)
    finally:
        stop.set()
        if writer is not None:
            writer.join()
        process.terminate()
        process.wait(timeout=30)
    return {
        **loaded,
        "name": name,
        "rss": rss,
        "load": (before, os.getloadavg()[0]),
        "imports": runs[0],
    }


def summary(seen: list[tuple[str, int, float]], elapsed: float) -> dict:
    """The httpx clients' answers: overall and per path."""
    times = [t for _, _, t in seen]
    return {
        "rps": len(seen) / elapsed,
        "p50": percentile(times, 50),
        "p99": percentile(times, 99),
        "errors": sum(1 for _, s, _ in seen if s != 200),
        "paths": {p: [t for q, _, t in seen if q == p] for p in PATHS},
    }


# Each wrk connection asks for the paths in turn, from a place of its own in the cycle.
WRK_MIX = """
local paths = {%s}
local turn = 0
init = function(args) turn = math.random(#paths) end
request = function()
  turn = turn %% #paths + 1
  return wrk.format("GET", paths[turn])
end
"""


def warm(url: str, clients: int, seconds: float, generator: str) -> None:
    """The same load for ``seconds``, not counted."""
    if generator == "wrk":
        wrk_mix(url, clients, seconds)
    else:
        asyncio.run(load(url, clients, seconds))


def wrk_mix(url: str, clients: int, duration: float) -> dict:
    """wrk's load of the same cycle of paths (gzip accepted, as browsers and httpx ask):
    the load generator in C, so that it is not the limit; overall figures only."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_MIX % ", ".join(f'"{path}"' for path in PATHS))
    try:
        found = run_wrk(url, duration, clients, "gzip", Path(script.name))
    finally:
        os.unlink(script.name)
    return {
        "rps": found.requests_per_second,
        "p50": found.p50_ms,
        "p99": found.p99_ms,
        "errors": found.errors,
        "paths": {},
    }


def report(results: list[dict]) -> None:
    base = results[0]["rps"]
    print(
        f"{'run':34s} {'req/s':>7s} {'p50 ms':>7s} {'p99 ms':>7s} {'errors':>6s} "
        f"{'ratio':>6s} {'RSS MB':>7s} {'load before/after':>18s} {'imports':>7s}"
    )
    for r in results:
        load = f"{r['load'][0]:.2f} / {r['load'][1]:.2f}"
        ratio = r["rps"] / base
        print(
            f"{r['name']:34s} {r['rps']:7.0f} {r['p50']:7.1f} {r['p99']:7.1f} "
            f"{r['errors']:6d} {ratio:6.2f} {r['rss'][0]:7.0f} {load:>18s} {r['imports']:7d}"
        )
    for r in results[1:]:
        if not r["paths"]:
            continue
        print(
            f"\n{r['name']}: p50 / p99 ms by path"
            + (f" ({r['imports']} imports)" if r["imports"] else "")
        )
        for path, times in r["paths"].items():
            print(f"  {path:40s} {percentile(times, 50):7.1f} / {percentile(times, 99):7.1f}")
    alone, writing = results[1], results[2]
    met = alone["rps"] >= TARGET_RPS and alone["p99"] < TARGET_P99_MS
    print(
        f"\ntarget {TARGET_RPS:.0f} req/s, p99 < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if met else 'NOT met'}"
    )
    met = writing["p99"] < TARGET_IMPORT_P99_MS
    print(
        f"target p99 < {TARGET_IMPORT_P99_MS:.0f} ms while an import writes: "
        f"{'met' if met else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--generator",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
        help="the load: wrk (Debian's, in C; overall figures) or httpx clients in Python "
        "(figures per path too, but the clients cost as much CPU as the server)",
    )
    parser.add_argument(
        "--warm-up",
        type=float,
        default=5.0,
        help="seconds of the same load after each start, not counted (0: none): the site "
        "builds the related papers' vectors and reads the search index once started",
    )
    add_loop_option(parser)
    args = parser.parse_args()
    use_loop(args.loop)
    with tempfile.TemporaryDirectory() as directory:
        url = build_database(Path(directory))
        env = {"COOLPAPERS_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        print(
            f"{PAPERS} papers over {DAYS} days; {args.clients} clients ({args.generator}), "
            f"{args.duration:.0f} s per run; {os.cpu_count()} cores",
            flush=True,
        )
        results = [
            run("bare endpoint (baseline)", "benchmarks.mixed_bench:bare_app", env, args),
            run("site", "cli.serve:served_site", env, args),
            run("site while an import writes", "cli.serve:served_site", env, args, True),
        ]
    report(results)


if __name__ == "__main__":
    main()

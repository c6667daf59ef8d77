"""The paper page and the papers' JSON uncached, and ``coolpapers serve`` from start to its
first answers, on the 1,000-paper archive of ``benchmarks.mixed_bench``.

    .venv/bin/python -m benchmarks.paper_bench [--repeats 300] [--starts 3]

In-process (the served site called through ASGI, no server, no network), each request for
another paper so that nothing is cached: the paper page ``/arxiv/<id>``, its JSON
``/api/papers/<id>``, twenty papers' JSON ``/api/papers?ids=...``, and in the same run a bare
Starlette endpoint returning a page of the paper page's size (the baseline: what ASGI and
Starlette cost by themselves). Reported per request: CPU milliseconds of the process (the
load of other processes does not count in it) and the median wall milliseconds. Also one
paper's read alone, ``models.queries.get_paper`` against the same read through the ORM with
``selectinload`` (in the benchmark, as the site read it before).

Then ``coolpapers serve`` started ``--starts`` times twice, each time in a fresh process: the
wall time from the start to the first 200 of ``/``, the process's CPU time then, and the first
view of a paper page (which needs the related papers' vectors), in one process as soon as it
is ready, in the other three seconds after; in that one then, the first view of a list's
topics and a "for you" (learnt by scikit-learn), and whether scikit-learn's libraries were
loaded into the site's process. The load average is printed with every part.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.mixed_bench import build_database  # noqa: E402
from benchmarks.web_bench import free_port, http_scope  # noqa: E402

MANY = 20  # papers of a /api/papers?ids= request
CANDIDATES = [f"2411.{10000 + i:05d}" for i in range(200)]  # "for you" ranks a day's list


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def bare_app(body: bytes):
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def page(request):
        return Response(body, media_type="text/html; charset=utf-8")

    return Starlette(routes=[Route("/{path:path}", page)])


async def call(app, path: str, query: str = "") -> tuple[int, bytes]:
    """One GET through ASGI: its status and body."""
    scope = http_scope(path, query.encode())
    status, body = 0, []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


async def timed(requests, repeats: int) -> tuple[float, float]:
    """CPU ms per call (process time of the whole loop / calls) and the median wall ms."""
    walls = []
    cpu = time.process_time()
    for i in range(repeats):
        started = time.perf_counter()
        await requests(i)
        walls.append((time.perf_counter() - started) * 1000)
    return (time.process_time() - cpu) * 1000 / repeats, statistics.median(walls)


async def orm_paper(session, arxiv_id: str):
    """One paper as the site read it through the ORM (the baseline of the read alone)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from models.schema import Paper, PaperAuthor

    statement = (
        select(Paper)
        .where(Paper.id == arxiv_id)
        .options(
            selectinload(Paper.authors).joinedload(PaperAuthor.author),
            selectinload(Paper.categories),
            selectinload(Paper.versions),
        )
    )
    return (await session.execute(statement)).scalar_one_or_none()


def in_process(url: str, repeats: int) -> list[tuple[str, float, float]]:
    from sqlalchemy import select

    from cli.serve import freeze_after_startup, site
    from models.queries import get_paper
    from models.schema import Paper
    from models.settings import Settings

    app = freeze_after_startup(site(Settings(DATABASE_URL=url)))  # as coolpapers serve builds it
    rows: list[tuple[str, float, float]] = []

    async def main() -> None:
        async with app.router.lifespan_context(app):
            async with app.state.sessions() as session:
                ids = list((await session.scalars(select(Paper.id).order_by(Paper.id))).all())
            first = await call(app, f"/arxiv/{ids[0]}")  # the vectors, the first render
            assert first[0] == 200, first
            bare = bare_app(first[1])

            async def paper_page(i: int) -> None:
                assert (await call(app, f"/arxiv/{ids[i % len(ids)]}"))[0] == 200

            async def paper_json(i: int) -> None:
                assert (await call(app, f"/api/papers/{ids[i % len(ids)]}"))[0] == 200

            async def papers_json(i: int) -> None:
                chosen = [ids[(i * MANY + k) % len(ids)] for k in range(MANY)]
                assert (await call(app, "/api/papers", "ids=" + ",".join(chosen)))[0] == 200

            async def baseline(i: int) -> None:
                assert (await call(bare, f"/arxiv/{ids[i % len(ids)]}"))[0] == 200

            async def read_plain(i: int) -> None:
                async with app.state.sessions() as session:
                    assert await get_paper(session, ids[i % len(ids)]) is not None

            async def read_orm(i: int) -> None:
                async with app.state.sessions() as session:
                    assert await orm_paper(session, ids[i % len(ids)]) is not None

            cases = [
                ("bare endpoint, a page of that size (baseline)", baseline),
                ("paper page /arxiv/<id>", paper_page),
                ("paper JSON /api/papers/<id>", paper_json),
                (f"{MANY} papers' JSON /api/papers?ids=", papers_json),
                ("one paper read through the ORM, selectinload", read_orm),
                ("one paper read: models.queries.get_paper", read_plain),
            ]
            for name, requests in cases:
                await requests(0)  # statements compiled, caches filled
                cpu, wall = await timed(requests, repeats)
                rows.append((name, cpu, wall))

    asyncio.run(main())
    return rows


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_up(url: str, paper: str, pause: float) -> dict[str, float]:
    """``coolpapers serve`` in a fresh process: its ready time and CPU time then, and its first
    view of a paper page ``pause`` seconds after it was ready."""
    port = free_port()
    command = [
        sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(port),
    ]  # fmt: skip
    env = {**os.environ, "COOLPAPERS_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(base + "/", timeout=30).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() - started > 120:
                raise RuntimeError("coolpapers serve did not start")
            time.sleep(0.02)
        ready = time.monotonic() - started
        cpu = process_cpu(process.pid)
        time.sleep(pause)
        moment = time.monotonic()
        assert httpx.get(f"{base}/arxiv/{paper}", timeout=60).status_code == 200
        first = time.monotonic() - moment
        moment = time.monotonic()
        assert httpx.get(f"{base}/arxiv/cs.LG?view=topics", timeout=60).status_code == 200
        topics = time.monotonic() - moment
        asked = {"starred": [paper], "candidates": CANDIDATES}
        for_you = []
        for _ in range(3):
            moment = time.monotonic()
            assert httpx.post(f"{base}/api/foryou", json=asked, timeout=60).status_code == 200
            for_you.append(time.monotonic() - moment)
        learnt_here = "sklearn" in Path(f"/proc/{process.pid}/maps").read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {
        "ready": ready,
        "cpu": cpu,
        "first": first,
        "topics": topics,
        "for_you": statistics.median(for_you),
        "learnt_here": learnt_here,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=300, help="requests per measured case")
    parser.add_argument("--starts", type=int, default=3, help="starts of coolpapers serve")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        print(f"building the archive (load average {load_average()})", flush=True)
        url = build_database(Path(directory))
        print(f"in-process, {args.repeats} requests each (load average {load_average()})")
        rows = in_process(url, args.repeats)
        base_cpu = rows[0][1]
        print(f"{'':52} {'CPU ms':>8} {'wall ms':>8} {'CPU / baseline':>15}")
        for name, cpu, wall in rows:
            print(f"{name:52} {cpu:8.3f} {wall:8.3f} {cpu / base_cpu:15.1f}")
        print(f"(load average {load_average()})")
        print(f"coolpapers serve, {args.starts} starts of each kind")
        head = ("start", "ready s", "CPU s", "first paper page at ready s")
        later_head = ("ready s", "CPU s", "first paper page 3 s after s", "load")
        print(f"{head[0]:>5} {head[1]:>8} {head[2]:>6} {head[3]:>28} ", end="")
        print(f"{later_head[0]:>8} {later_head[1]:>6} {later_head[2]:>29} {later_head[3]:>16}")
        learnt = []
        for n in range(args.starts):
            now = start_up(url, "2411.10001", 0.0)
            later = start_up(url, "2411.10001", 3.0)
            print(
                f"{n + 1:5} {now['ready']:8.2f} {now['cpu']:6.2f} {now['first']:28.3f} "
                f"{later['ready']:8.2f} {later['cpu']:6.2f} {later['first']:29.3f} "
                f"{load_average():>16}",
                flush=True,
            )
            learnt.append(later)
        print(
            "then, in the process started 3 s before: the first view of a list's topics "
            + ", ".join(f"{r['topics']:.3f}" for r in learnt)
            + ' s; a "for you" of 200 papers (median of 3) '
            + ", ".join(f"{r['for_you']:.3f}" for r in learnt)
            + " s; scikit-learn in the site's process: "
            + ", ".join("yes" if r["learnt_here"] else "no" for r in learnt)
        )


if __name__ == "__main__":
    main()

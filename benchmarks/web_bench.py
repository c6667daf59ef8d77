"""Site: throughput and latency of a 300-paper list page against a bare Starlette endpoint
that returns a static page of the same bytes, measured in the same run on 127.0.0.1.

    .venv/bin/python -m benchmarks.web_bench [--duration 30] [--connections 32] [--workers 1]

Each server is uvicorn with the same number of worker processes and the same stack (the event
loop ``coolpapers serve`` runs, httptools when installed); the load comes from wrk
when it is installed (Debian's ``wrk``), otherwise from a small asyncio/httpx load generator
in this file. Three servers are measured in turn: the site as ``coolpapers serve`` runs it
(rendered lists are cached until the data changes),
the bare endpoint (the baseline), and the site with its page cache turned off (every request
queries the database and renders the page). The site and the baseline are loaded twice, as
plain HTML and gzipped (as browsers ask; the baseline then sends the same gzipped bytes). The
pages that are never kept in the page cache, a paper's page and a search page, are loaded the
same way (gzip), each against the bare endpoint. The time to render each page once without the
cache is also reported (the app called in-process on its event loop, as the server calls it:
no client, no network, in a process set up as ``coolpapers serve`` sets itself up): the first
render in a fresh process, the median of 20 (``--repeats``) after it, the median of 20 with
the papers forgotten by the process before each (the lists' views and rendered entries), the
same with their MathML forgotten too (a new day's list when nothing prepared it), and the same
after the warm-up that ``coolpapers serve`` runs when the data moves (``web.warming``: what the
first reader of a new day meets once it is done), with the warm-up's own time and, beside each
median, the process's CPU time. The synthetic abstracts draw their math from the 905 distinct
formulas of 1,294 real arXiv titles and abstracts (``tests/fixtures/bytepiece``), so that a cold
list converts about as many distinct formulas as a real day's list does.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import gc
import gzip
import importlib.util
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PAPERS = 300
CATEGORY = "cs.LG"
DAY = dt.date(2024, 11, 28)
LIST_PATH = f"/arxiv/{CATEGORY}"
# The list in the site's other language (its interface text: the entries' labels).
OTHER_LANGUAGE = ("list, in Chinese", f"{LIST_PATH}?lang=zh")
# The list with the keyword bar: a word nearly every paper holds (every entry marked), and two
# phrases that a few papers hold (48 of the 300, a sixth).
KEYWORD_PATHS = {
    "list, keyword bar marking every paper": f"{LIST_PATH}?include=attention",
    "list, keyword bar marking a few papers": (
        f"{LIST_PATH}?include=convergence+rate%0Asparse+kernel"
    ),
}
PAPER_PATH = "/arxiv/2411.10007"
SEARCH_PATH = "/search?q=attention+transformer"
WORDS = (  # noqa: SIM905
    "model learning network attention training data loss gradient transformer layer token "
    "sequence optimisation convergence representation benchmark inference sparse kernel "
    "embedding policy reward diffusion sampling regularisation robustness generalisation"
).split()
# Real formulas: every one written in the titles and abstracts of 1,294 arXiv papers.
ABSTRACTS = ROOT / "tests" / "fixtures" / "bytepiece" / "arxiv-abstracts.txt"


@functools.cache
def formulas() -> tuple[str, ...]:
    from web.tex import split_math

    found = {
        segment.source
        for line in ABSTRACTS.read_text(encoding="utf-8").splitlines()
        for segment in split_math(line)
        if segment.math
    }
    return tuple(sorted(found))


# --- the data ------------------------------------------------------------------------------


def make_records(n: int = PAPERS, seed: int = 7):
    from crawler.records import AnnouncementRecord, AuthorRecord, PaperRecord, VersionRecord

    rng = random.Random(seed)
    published = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(18), dt.UTC)
    kinds = ["new"] * 6 + ["cross"] * 2 + ["replace"] * 2
    records = []
    for i in range(n):
        sentences = []
        for _ in range(9):  # about 1,200 characters, as arXiv abstracts
            words = rng.choices(WORDS, k=rng.randint(10, 18))
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), rng.choice(formulas()))
            sentences.append(" ".join(words).capitalize() + ".")
        kind = rng.choice(kinds)
        primary = CATEGORY if kind != "cross" else "stat.ML"
        others = [c for c in ("cs.AI", "stat.ML", "cs.CL") if c != primary][: rng.randint(0, 2)]
        records.append(
            PaperRecord(
                arxiv_id=f"2411.{10000 + i:05d}",
                version=2 if kind == "replace" else 1,
                title=" ".join(rng.choices(WORDS, k=8)).title() + " " + rng.choice(formulas()),
                abstract=" ".join(sentences),
                authors=tuple(
                    AuthorRecord(f"Author {rng.randrange(5000)}") for _ in range(rng.randint(2, 8))
                ),
                primary_category=primary,
                categories=(primary, *others) if primary == CATEGORY else (primary, CATEGORY),
                published=published,
                updated=published,
                versions=(VersionRecord(1, published),),
                announcement=AnnouncementRecord(DAY, kind, ()),
            )
        )
    return records


def build_database(directory: Path) -> str:
    """The benchmark's database, its papers indexed for search as ``coolpapers import``
    indexes them."""
    from cli.context import ingest_hooks
    from cli.db import upgrade_database
    from crawler.ingest import ingest
    from models.db import create_engine, session_factory
    from models.settings import Settings

    url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
    upgrade_database(url)

    async def fill() -> None:
        engine = create_engine(settings=Settings(DATABASE_URL=url))
        try:
            async with session_factory(engine).begin() as session:
                await ingest(session, make_records(), hooks=ingest_hooks())
        finally:
            await engine.dispose()

    asyncio.run(fill())
    return url


# --- the servers ---------------------------------------------------------------------------


SITE = "cli.serve:served_site"


def uncached_app():
    """The site with its page cache off: every request queries and renders."""
    from cli.context import ingest_hooks
    from cli.operations import all_jobs
    from cli.serve import freeze_after_startup
    from models.settings import get_settings
    from web.app import create_app
    from web.cache import PageCache

    settings = get_settings()
    return freeze_after_startup(
        create_app(
            settings,
            jobs=all_jobs(settings, hooks=ingest_hooks()),
            page_cache=PageCache(max_bytes=0),
        )
    )


def static_app():
    """The baseline: a bare Starlette endpoint returning the bytes of a saved page."""
    return static_endpoint(Path(os.environ["WEB_BENCH_PAGE"]).read_bytes())


def static_endpoint(body: bytes):
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    gzipped = gzip.compress(body, compresslevel=6, mtime=0)

    async def page(request):
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers = {"content-encoding": "gzip", "vary": "accept-encoding"}
            return Response(gzipped, media_type="text/html; charset=utf-8", headers=headers)
        return Response(body, media_type="text/html; charset=utf-8")

    return Starlette(routes=[Route(LIST_PATH, page)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOOP: str | None = None  # ``--loop``: every server's event loop (None: ``coolpapers serve``'s)


def server_stack() -> tuple[str, str]:
    """The event loop ``coolpapers serve`` runs (unless ``--loop`` names another), and the HTTP
    parser uvicorn's "auto" picks (httptools when installed), as ``coolpapers serve`` runs it."""
    from cli.serve import EVENT_LOOP

    loop = LOOP or EVENT_LOOP
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http


def add_loop_option(parser: argparse.ArgumentParser) -> None:
    from cli.serve import EVENT_LOOP, EVENT_LOOPS

    parser.add_argument(
        "--loop",
        choices=EVENT_LOOPS,
        default=None,
        help=f"every server's event loop (default: coolpapers serve's, {EVENT_LOOP})",
    )


def use_loop(loop: str | None) -> None:
    global LOOP
    LOOP = loop


@contextmanager
def serve(factory: str, env: dict[str, str], workers: int = 1) -> Iterator[str]:
    port = free_port()
    loop, http = server_stack()
    command = [
        sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--timeout-graceful-shutdown", "5", "--loop", loop, "--http", http,
        "--workers", str(workers),
    ]  # fmt: skip  # each option beside its value
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + LIST_PATH, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{factory} did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the load ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(number) * _UNITS[unit]


def run_wrk(
    url: str, duration: float, connections: int, encoding: str, script: Path | None = None
) -> Load:
    """wrk's load of ``url``, or of the requests its Lua ``script`` makes."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--latency",
            "--timeout",
            "5s",
            "-H",
            f"Accept-Encoding: {encoding}",
            *(["-s", str(script)] if script else []),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(map(int, found.groups()))
    return Load(rps, p50, p99, requests, errors, "wrk")


def run_httpx(url: str, duration: int, connections: int, encoding: str) -> Load:
    async def main() -> Load:
        latencies: list[float] = []
        errors = 0
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        headers = {"accept-encoding": encoding}
        async with httpx.AsyncClient(limits=limits, timeout=5, headers=headers) as client:
            start = time.perf_counter()
            stop = start + duration

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < stop:
                    sent = time.perf_counter()
                    try:
                        async with client.stream("GET", url) as response:
                            async for _ in response.aiter_raw():
                                pass
                        if response.status_code != 200:
                            errors += 1
                    except httpx.HTTPError:
                        errors += 1
                    latencies.append((time.perf_counter() - sent) * 1000)

            await asyncio.gather(*(worker() for _ in range(connections)))
            elapsed = time.perf_counter() - start
        cuts = statistics.quantiles(latencies, n=100)
        return Load(len(latencies) / elapsed, cuts[49], cuts[98], len(latencies), errors, "httpx")

    return asyncio.run(main())


WARM_UP = 3  # seconds of load after each start, not counted (``--warm-up``)


def measure(url: str, duration: int, connections: int, encoding: str = "identity") -> Load:
    if WARM_UP:  # the site's start-up work in the background (vectors, index), not counted
        _measure(url, WARM_UP, connections, encoding)
    return _measure(url, duration, connections, encoding)


def _measure(url: str, duration: int, connections: int, encoding: str) -> Load:
    if shutil.which("wrk"):
        return run_wrk(url, duration, connections, encoding)
    return run_httpx(url, duration, connections, encoding)


@dataclass(frozen=True)
class RenderTimes:
    """Milliseconds of the app's own work to query and render a page without the page cache,
    called in-process on its event loop (no client, no network; medians but the first)."""

    first: float  # the first request of a fresh process
    again: float  # the page rendered before, its papers known to the process
    new: float  # its papers' views and entries forgotten, their MathML kept
    cold: float  # its papers' views, entries and MathML forgotten: a day never warmed
    warmed: float  # all forgotten, then ``web.warming`` run as the served site runs it
    warming: float  # the warm-up's own time, once
    cpu: tuple[float, float, float, float]  # the process's CPU ms: again, new, cold, warmed


def render_times(
    database_url: str, path: str, repeats: int = 20, *, cached: bool = False
) -> RenderTimes:
    """``path`` rendered without the page cache in its own child process: the first request,
    then ``repeats`` each after forgetting nothing, the papers (their views and rendered
    entries), the papers and their MathML (``web.tex``'s caches: a new day's list), and all of
    it followed by the warm-up that ``coolpapers serve`` runs when the data moves. ``cached``:
    with the page cache on, emptied before each request, so that each is the page's first
    reader (a miss: the render, then the page's ETag and gzip as the cache keeps it)."""
    script = (
        "import sys; from benchmarks.web_bench import _render_times; "
        "print(*_render_times(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1'))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, database_url, path, str(repeats), str(int(cached))],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    figures = list(map(float, output[-10:]))
    return RenderTimes(*figures[:6], cpu=(figures[6], figures[7], figures[8], figures[9]))


def _render_times(
    database_url: str, path: str, repeats: int, cached: bool = False
) -> tuple[float, ...]:
    import logging
    import warnings

    from cli.serve import warm_up
    from models import queries
    from models.settings import Settings
    from web import templating, tex
    from web.app import create_app
    from web.cache import PageCache
    from web.warming import warm_newest_day

    logging.disable(logging.INFO)
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

    def forget(math: bool) -> None:
        queries._kept_views.clear()
        templating._entry_cache.clear()
        getattr(templating, "_marked_cache", {}).clear()  # the entries with marks, if kept
        if math:  # the texts' rendered parts (``_render_plain``'s cache before them)
            getattr(tex, "_parts", tex._render_plain).cache_clear()
            tex.tex_to_mathml.cache_clear()

    pages = PageCache() if cached else PageCache(max_bytes=0)
    app = create_app(Settings(DATABASE_URL=database_url), page_cache=pages)
    kinds = ("again", "new", "cold", "warmed")
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    warming: list[float] = []
    route, _, query = path.partition("?")
    scope = http_scope(route, query.encode(), ((b"accept-encoding", b"gzip"),))

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def call() -> tuple[float, float]:
        """The app's own time for one request, on its event loop (no client, no network),
        and the process's CPU time meanwhile (its threads: the loop's and the database's)."""
        statuses = []

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        start, start_cpu = time.perf_counter(), time.process_time()
        await app(dict(scope), receive, send)
        elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
        assert statuses == [200], statuses
        return elapsed, used

    with TestClient(app) as client:  # the app's lifespan, and its event loop in a thread
        # What ``coolpapers serve`` does once started (``cli.serve.freeze_after_startup``):
        # templates compiled, the tokenizer loaded, start-up's objects frozen out of the
        # collector's full passes, with the MCP server it starts in the background; not its
        # other background work (the warm-up is timed below).
        warm_up()
        client.portal.call(app.state.mcp.settled)
        gc.collect()
        gc.freeze()

        def timed(kind: str) -> None:
            if cached:  # the page's first reader: what the last one left is done, then gone
                client.portal.call(pages.settled)
                pages.clear()
            elapsed, used = client.portal.call(call)
            times[kind].append(elapsed * 1000)
            cpu[kind].append(used * 1000)

        timed("again")
        first = times["again"].pop()
        cpu["again"].pop()
        for _ in range(repeats):
            timed("again")
        for _ in range(repeats):
            forget(math=False)
            timed("new")
        for _ in range(repeats):
            forget(math=True)
            timed("cold")
        for _ in range(repeats):
            forget(math=True)
            warming.append(client.portal.call(warm_newest_day, app.state.sessions).seconds)
            timed("warmed")
    medians = [statistics.median(times[kind]) for kind in kinds]
    cpu_medians = [statistics.median(cpu[kind]) for kind in kinds]
    return (first, *medians, statistics.median(warming) * 1000, *cpu_medians)


def http_scope(path: str, query: bytes = b"", headers: tuple[tuple[bytes, bytes], ...] = ()):
    """The ASGI scope of a GET of ``path`` from 127.0.0.1, for calling an app in-process."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
    }


def app_time(app, encoding: str, repeats: int = 2000) -> float:
    """Microseconds of an app's own work per request, called in-process (no server, no
    network, so far less noisy than a latency under load): best of five rounds."""
    scope = http_scope(LIST_PATH, headers=((b"accept-encoding", encoding.encode()),))

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    async def rounds() -> float:
        for _ in range(50):
            await app(dict(scope), receive, send)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(repeats):
                await app(dict(scope), receive, send)
            best = min(best, (time.perf_counter() - start) / repeats * 1e6)
        return best

    async def main() -> float:
        async with app.router.lifespan_context(app):
            return await rounds()

    return asyncio.run(main())


def app_times(database_url: str, page: bytes) -> dict[str, tuple[float, float]]:
    """Per-request app time, plain and gzip, of the cached site and of the bare endpoint."""
    from cli.serve import site
    from models.settings import Settings

    apps = {"site": site(Settings(DATABASE_URL=database_url)), "bare": static_endpoint(page)}
    return {name: (app_time(app, "identity"), app_time(app, "gzip")) for name, app in apps.items()}


def main(argv: list[str] | None = None) -> None:
    global WARM_UP
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per measured server")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--uncached-duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers, every server")
    add_loop_option(parser)
    parser.add_argument(
        "--warm-up",
        type=int,
        default=WARM_UP,
        help="seconds of the same load before each measure, not counted (0: none)",
    )
    parser.add_argument(
        "--repeats", type=int, default=20, help="renders of each kind without the page cache"
    )
    parser.add_argument(
        "--renders-only",
        action="store_true",
        help="only the renders without the page cache, in-process (no server, no load)",
    )
    args = parser.parse_args(argv)
    if args.renders_only:
        renders_only(args.repeats)
        return
    WARM_UP = args.warm_up
    use_loop(args.loop)
    load_before = os.getloadavg()
    workers = args.workers

    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        directory = Path(tmp)
        database_url = build_database(directory)
        env = {"COOLPAPERS_DATABASE_URL": database_url}
        duration, connections = args.duration, args.connections
        with serve(SITE, env, workers) as url:
            page = httpx.get(url + LIST_PATH).content
            assert page.count(b'<article class="paper') == PAPERS, "the list lacks papers"
            (directory / "page.html").write_bytes(page)
            site = measure(url + LIST_PATH, duration, connections)
            site_gzip = measure(url + LIST_PATH, duration, connections, "gzip")
        env["WEB_BENCH_PAGE"] = str(directory / "page.html")
        with serve("benchmarks.web_bench:static_app", env, workers) as url:
            bare = measure(url + LIST_PATH, duration, connections)
            bare_gzip = measure(url + LIST_PATH, duration, connections, "gzip")
            other = args.uncached_duration
            bare_other = measure(url + LIST_PATH, other, connections, "gzip")
        with serve("benchmarks.web_bench:uncached_app", env, workers) as url:
            uncached = measure(url + LIST_PATH, other, connections, "gzip")
        with serve(SITE, env, workers) as url:
            paper = measure(url + PAPER_PATH, other, connections, "gzip")
            search = measure(url + SEARCH_PATH, other, connections, "gzip")
        renders = {
            name: render_times(database_url, path, args.repeats)
            for name, path in (("list", LIST_PATH), ("paper", PAPER_PATH), ("search", SEARCH_PATH))
        }
        renders[FIRST_READER] = render_times(database_url, LIST_PATH, args.repeats, cached=True)
        for name, path in (OTHER_LANGUAGE, *KEYWORD_PATHS.items()):
            renders[name] = render_times(database_url, path, args.repeats)
        per_request = app_times(database_url, page)

    gzipped = len(gzip.compress(page, compresslevel=6, mtime=0))
    import uvicorn

    loop, http = server_stack()
    load_after = os.getloadavg()
    print(
        f"list page: {PAPERS} papers, {len(page) / 1024:.0f} KiB, gzipped "
        f"{gzipped / 1024:.0f} KiB; load: {bare.tool}, {connections} connections, "
        f"{duration} s; {os.cpu_count()} cores"
    )
    print(
        f"servers: uvicorn {uvicorn.__version__} ({loop}, {http}), {workers} worker(s) each; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print(f"{'server':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>7}")
    rows = (
        ("bare static endpoint, plain", bare, bare),
        ("site, plain", site, bare),
        ("bare static endpoint, gzip", bare_gzip, bare_gzip),
        ("site, gzip", site_gzip, bare_gzip),
        ("bare static endpoint, gzip, again", bare_other, bare_other),
        ("site, page cache off, gzip", uncached, bare_other),
        ("site, a paper's page, gzip", paper, bare_other),
        ("site, a search page, gzip", search, bare_other),
    )
    for name, load, baseline in rows:
        ratio = load.requests_per_second / baseline.requests_per_second
        print(
            f"{name:<34}{load.requests_per_second:>9.0f}{load.p50_ms:>9.1f}"
            f"{load.p99_ms:>9.1f}{load.errors:>8}{ratio:>7.2f}"
        )
    _print_renders(renders, args.repeats)
    (site_plain, site_gz), (bare_plain, bare_gz) = per_request["site"], per_request["bare"]
    print(
        f"app time per request, in-process, no network (plain / gzip): site (cached) "
        f"{site_plain:.0f} / {site_gz:.0f} us, bare endpoint "
        f"{bare_plain:.0f} / {bare_gz:.0f} us"
    )
    for name, load, baseline in rows[1:4:2]:
        ok = load.requests_per_second >= 0.4 * baseline.requests_per_second and load.p99_ms < 100
        print(
            f"target for {name} (>= 40% of the bare throughput, p99 < 100 ms):",
            _met(ok),
        )
    for name, figure in (("warmed", renders["list"].warmed), ("cold", renders["list"].cold)):
        print(
            f"target for one uncached render of a new day's list, {name} (< 10 ms, median):",
            _met(figure < 10),
        )
    ok = uncached.requests_per_second >= 150 and uncached.p99_ms < 500
    print("target for site, page cache off (>= 150 req/s, p99 < 500 ms):", _met(ok))


FIRST_READER = "list, its first reader with the page cache on (ETag and gzip included)"


def _print_renders(renders: dict[str, RenderTimes], repeats: int) -> None:
    for name, times in renders.items():
        what = name if name == FIRST_READER else f"{name}, without the page cache"
        print(
            f"one render of the {what}: {times.again:.1f} ms (median of {repeats}), "
            f"{times.new:.1f} ms with its papers new to the process (their MathML kept), "
            f"{times.cold:.1f} ms with their MathML new too, "
            f"{times.warmed:.1f} ms after the warm-up of the newest day "
            f"({times.warming:.0f} ms), {times.first:.1f} ms the first in a fresh process; "
            "CPU ms in the same order: " + " / ".join(f"{ms:.1f}" for ms in times.cpu)
        )


def renders_only(repeats: int = 20) -> None:
    """The list's renders alone (``--renders-only``), with the CPU time of their process."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        database_url = build_database(Path(tmp))
        before = os.times()
        renders = {
            "list": render_times(database_url, LIST_PATH, repeats),
            FIRST_READER: render_times(database_url, LIST_PATH, repeats, cached=True),
        }
        for name, path in (OTHER_LANGUAGE, *KEYWORD_PATHS.items()):
            renders[name] = render_times(database_url, path, repeats)
        after = os.times()
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    load_after = os.getloadavg()
    print(
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{os.cpu_count()} cores; the renders' process used {cpu:.2f} s of CPU"
    )
    _print_renders(renders, repeats)
    print(
        "target for one uncached render of a new day's list, warmed (< 10 ms, median):",
        _met(renders["list"].warmed < 10),
    )


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()

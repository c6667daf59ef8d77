"""The site under load while an import writes: 32 clients read pages and APIs from
``coolpapers serve`` on a temporary SQLite database while ``coolpapers import`` loads recorded
OAI-PMH pages again and again in another process. No answer may be a 5xx or take over 2 s,
and afterwards every imported paper is in the archive exactly once."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from crawler.parse import parse_document
from models.settings import Settings
from tests.web.data import CY_ID, MATH_ID, fill_sync

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OAI = ROOT / "tests" / "fixtures" / "arxiv" / "oai"
IMPORTED = [OAI / "arxivsync_436115-5001.trimmed.xml", OAI / "hepcrawl_arxiv-physics-hep-ex.xml"]
CLIENTS = 32
DURATION = 15.0  # seconds of load
SLOWEST = 2.0  # seconds an answer may take
PATHS = [
    "/",
    "/arxiv/cs.AI?date=2024-11-28",
    f"/arxiv/{MATH_ID}",
    "/search?q=transformer",
    "/api/search?q=attention",
    f"/api/papers/{MATH_ID}",
    f"/api/papers?ids={MATH_ID},{CY_ID}",
    "/arxiv/cs.AI/feed",
    "/api/list/cs.AI",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def coolpapers(*arguments: str, env: dict[str, str], **options) -> subprocess.Popen:
    command = [sys.executable, "-c", "from cli.main import main; main()", *arguments]
    return subprocess.Popen(command, env=env, cwd=ROOT, **options)


async def wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert server.poll() is None, "coolpapers serve exited"
            try:
                if (await client.get(url + "/api/openapi.json")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("coolpapers serve did not start")


async def reader(client: httpx.AsyncClient, number: int, until: float, seen: list) -> None:
    turn = number
    while time.monotonic() < until:
        path = PATHS[turn % len(PATHS)]
        started = time.monotonic()
        response = await client.get(path)
        seen.append((path, response.status_code, time.monotonic() - started))
        turn += 1


def importing(paths: list[Path], env: dict[str, str], until: float) -> int:
    """Import ``paths`` again and again until ``until``; the number of imports."""
    runs = 0
    while runs == 0 or time.monotonic() < until:
        done = coolpapers(
            "import", *map(str, paths), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, err = done.communicate(timeout=60)
        assert done.returncode == 0, err.decode()[-3000:]
        runs += 1
    return runs


async def load(url: str, env: dict[str, str]) -> tuple[list, int]:
    seen: list = []
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        # Each page once first: what a page builds on its first view after start-up (the
        # related papers' vectors, the templates) is the cold start, not the load measured.
        for path in PATHS:
            assert (await client.get(path)).status_code == 200, path
        until = time.monotonic() + DURATION
        writer = asyncio.to_thread(importing, IMPORTED, env, until)
        readers = [reader(client, n, until, seen) for n in range(CLIENTS)]
        runs, *_ = await asyncio.gather(writer, *readers)
    return seen, runs


def test_readers_and_an_import_at_once(settings: Settings, database_path: Path) -> None:
    fill_sync(settings)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COOLPAPERS_DATABASE_URL": settings.DATABASE_URL,
    }
    server = coolpapers(
        "serve", "--port", str(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_until_up(url, server))
        seen, runs = asyncio.run(load(url, env))
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    failed = [(p, s) for p, s, _ in seen if s >= 500]
    slow = [(p, round(t, 2)) for p, _, t in seen if t > SLOWEST]
    assert failed == [], (failed[:10], log.decode()[-3000:])
    times = sorted(t for _, _, t in seen)
    assert slow == [], (len(seen), times[len(times) // 2], times[-1], slow[:10])
    assert {s for _, s, _ in seen} == {200}
    assert len(seen) > CLIENTS * len(PATHS) and runs >= 1

    expected = {p.arxiv_id for path in IMPORTED for p in parse_document(path.read_bytes()).papers}
    with sqlite3.connect(database_path) as db:
        rows = [r[0] for r in db.execute("SELECT id FROM papers")]
        versions_twice = db.execute(
            "SELECT paper_id, version FROM paper_versions"
            " GROUP BY paper_id, version HAVING COUNT(*) > 1"
        ).fetchall()
    assert len(rows) == len(set(rows))
    assert expected <= set(rows), sorted(expected - set(rows))[:10]
    assert versions_twice == []

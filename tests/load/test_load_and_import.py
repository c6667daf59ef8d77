"""The site under load while an import writes: 32 clients read pages and APIs from
``coolpapers serve`` on a temporary SQLite database while ``coolpapers import`` loads recorded
OAI-PMH pages again and again in another process. No answer may be a 5xx or take over 2 s,
and afterwards every imported paper is in the archive exactly once.

The clients are wrk's (Debian's ``wrk``, in C, which ``make test`` installs), as in
``benchmarks.mixed_bench``: clients in Python would take as much of the machine's two cores as
the server they measure, and their own queueing would be counted as the server's."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from crawler.parse import parse_document
from models.settings import Settings
from tests.web.data import CY_ID, MATH_ID, fill_sync

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # it measures time

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
# Each connection cycles through the paths; every answer's status is counted, and the end
# prints the statuses, the number of answers and the slowest answer in microseconds.
CYCLE = """
local paths = {%s}
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) turn = math.random(#paths); statuses = {} end
request = function()
  turn = turn %% #paths + 1
  return wrk.format("GET", paths[turn])
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %%d %%d\\n", status, count))
    end
  end
  io.write(string.format("answers %%d\\n", summary.requests))
  io.write(string.format("slowest %%d\\n", latency.max))
  local e = summary.errors
  io.write(string.format("errors %%d\\n", e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Load:
    statuses: dict[int, int]
    answers: int
    slowest: float  # seconds
    errors: int  # connections refused, broken or timed out


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


def readers(url: str, script: Path) -> Load:
    """wrk's ``CLIENTS`` connections cycling through ``PATHS`` for ``DURATION`` seconds."""
    script.write_text(CYCLE % ", ".join(f'"{path}"' for path in PATHS))
    command = [
        "wrk", "-t2", f"-c{CLIENTS}", f"-d{DURATION:g}s", "--timeout", "30s",
        "-H", "Accept-Encoding: gzip", "-s", str(script), url,
    ]  # fmt: skip  # each option beside its value
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    statuses: dict[int, int] = {}
    for status, count in re.findall(r"^status (\d+) (\d+)$", out, re.M):  # one per thread
        statuses[int(status)] = statuses.get(int(status), 0) + int(count)
    figures = dict(re.findall(r"^(answers|slowest|errors) (\d+)$", out, re.M))
    assert figures.keys() == {"answers", "slowest", "errors"}, out
    return Load(
        statuses, int(figures["answers"]), int(figures["slowest"]) / 1e6, int(figures["errors"])
    )


async def load(url: str, env: dict[str, str], script: Path) -> tuple[Load, int]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        # Each page once first: what a page builds on its first view after start-up (the
        # related papers' vectors, the templates) is the cold start, not the load measured.
        for path in PATHS:
            assert (await client.get(path)).status_code == 200, path
    until = time.monotonic() + DURATION
    writer = asyncio.to_thread(importing, IMPORTED, env, until)
    seen, runs = await asyncio.gather(asyncio.to_thread(readers, url, script), writer)
    return seen, runs


def test_readers_and_an_import_at_once(
    settings: Settings, database_path: Path, tmp_path: Path
) -> None:
    assert shutil.which("wrk"), "the load test needs wrk: `make test` installs Debian's"
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
        seen, runs = asyncio.run(load(url, env, tmp_path / "cycle.lua"))
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    assert seen.errors == 0 and seen.statuses == {200: seen.answers}, (seen, log.decode()[-3000:])
    assert seen.slowest <= SLOWEST, seen
    assert seen.answers > CLIENTS * len(PATHS) and runs >= 1

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

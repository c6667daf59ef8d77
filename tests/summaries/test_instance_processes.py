"""Two ``coolpapers serve`` processes over one PostgreSQL: readers of both get one
generation, the second instance following the first's stream through the database."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.summaries.test_web import parse_sse

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parents[2]
SERVE = "import sys; from cli.main import main; main(sys.argv[1:])"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def instances(model_settings, paper, tmp_path) -> Iterator[list[str]]:
    """Two web instances (processes) over this test's PostgreSQL database."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COOLPAPERS_DATABASE_URL": model_settings.DATABASE_URL,
        "COOLPAPERS_LLM_BASE_URL": model_settings.LLM_BASE_URL,
        "COOLPAPERS_LLM_MODEL": "fake-model",
        "COOLPAPERS_LLM_DAILY_BUDGET": "1000",
        "COOLPAPERS_FETCH_ON_DEMAND": "false",
    }
    processes, urls = [], []
    for n in range(2):
        port = free_port()
        log = (tmp_path / f"serve-{n}.log").open("w")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", SERVE, "serve", "--port", str(port)],
                cwd=tmp_path,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        for url, process in zip(urls, processes, strict=True):
            while True:
                assert process.poll() is None, log.name
                try:
                    if httpx.get(f"{url}/api/papers/2403.00001", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the instances did not start"
                time.sleep(0.1)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_two_serve_processes_make_one_generation(instances, llm) -> None:
    one, other = instances
    path = "/api/papers/2403.00001/summary/stream?lang=en"
    llm.hold(from_call=1)
    async with httpx.AsyncClient(timeout=30) as http:

        async def read(url: str, method: str, answered: asyncio.Event) -> str:
            text = ""
            headers = {"Origin": url} if method == "POST" else {}
            async with http.stream(method, url + path, headers=headers) as response:
                assert response.status_code == 200, await response.aread()
                async for piece in response.aiter_text():
                    text += piece
                    if "event: answer" in text:
                        answered.set()
            return text

        seen_1, seen_2 = asyncio.Event(), asyncio.Event()
        first = asyncio.create_task(read(one, "POST", seen_1))
        await asyncio.wait_for(seen_1.wait(), 30)
        # Started on the first instance: the second neither starts another nor refuses.
        second = asyncio.create_task(read(other, "POST", seen_2))
        await asyncio.wait_for(seen_2.wait(), 30)  # the first answer, through the database
        assert len(llm.calls) == 2
        llm.release()
        text_1, text_2 = await asyncio.gather(first, second)
    done_1, done_2 = parse_sse(text_1)[-1], parse_sse(text_2)[-1]
    assert done_1[0] == done_2[0] == "done" and done_1[1]["faq"] == done_2[1]["faq"]
    assert len(llm.calls) == 6

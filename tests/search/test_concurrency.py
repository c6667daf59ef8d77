"""Searches off the event loop: a slow search holds up no other request, and searches in
threads side by side share the process's caches without harm."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.testclient import TestClient

from models.settings import Settings
from search import SearchOptions, _kernel, configure, loaded, search_papers
from web.app import create_app

QUERIES = [
    "learning",
    '"neural network"',
    "neural networks",
    "the -learning",
    "quantum OR entanglement",
    '"the model"',
    "network cat:cs",
    "ti:learning",
    "model from:2020",
]


@pytest.mark.parametrize("stage", ["decode", "top"])  # reading posting lists, and ranking
def test_a_slow_search_holds_up_no_other_request(
    sample_settings: Settings, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    inside, release = threading.Event(), threading.Event()
    kernel_function = getattr(_kernel, stage)

    def slow(*args: object) -> object:
        inside.set()
        release.wait(timeout=10)
        return kernel_function(*args)

    monkeypatch.setattr(_kernel, stage, slow)
    with TestClient(create_app(sample_settings)) as client, ThreadPoolExecutor(1) as pool:
        search = pool.submit(client.get, "/api/search", params={"q": "learning"})
        assert inside.wait(timeout=10)
        started = time.monotonic()
        cheap = client.get("/static/style.css")
        waited = time.monotonic() - started
        search_done = search.done()
        release.set()
        found = search.result(timeout=30)
    assert cheap.status_code == 200
    assert not search_done and waited < 5
    assert found.status_code == 200 and found.json()["results"]


@pytest.fixture
def tiny_cache() -> Iterator[None]:
    """A cache of posting lists that keeps one list at a time."""
    configure(SearchOptions(cache_mb=0))
    yield
    configure(SearchOptions())


async def answers(sessions, queries: list[str]) -> list[tuple[int, list[str]]]:
    async def one(query: str) -> tuple[int, list[str]]:
        async with sessions() as session:
            page = await search_papers(session, query, limit=50)
        return page.total, [hit.paper.id for hit in page.hits]

    return list(await asyncio.gather(*(one(q) for q in queries)))


def cache_sizes(index: loaded.LoadedIndex) -> tuple[int, int]:
    lists = sum(loaded._size(found) for found in index.lists.values())
    scores = sum(loaded._scores_size(key, index.scores[key]) for key in index.scores)
    return lists, scores


@pytest.mark.parametrize("direct", [True, False])
async def test_searches_side_by_side_answer_as_one_at_a_time(
    sample_sessions, tiny_cache, monkeypatch: pytest.MonkeyPatch, direct: bool
) -> None:
    if not direct:  # every read sent back to the event loop from the worker threads

        async def no_direct_connection(session: object) -> None:
            return None

        monkeypatch.setattr(loaded, "driver_connection", no_direct_connection)
    expected = [(await answers(sample_sessions, [q]))[0] for q in QUERIES]
    assert all(total for total, _ in expected)
    loaded._loaded.clear()
    for _ in range(3):
        assert await answers(sample_sessions, QUERIES * 2) == expected * 2
    (index,) = loaded._loaded.values()
    assert (index.cached_bytes, index.scores.bytes) == cache_sizes(index)

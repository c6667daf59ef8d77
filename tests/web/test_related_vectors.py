"""The related papers' vectors: built in the background as the served site starts; when new
data makes them stale, readers get the previous ones while one new build runs."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

import anyio.to_thread
import httpx
import numpy as np
import pytest
from starlette.testclient import TestClient

from cli.serve import freeze_after_startup, site
from crawler.ingest import ingest
from crawler.records import AuthorRecord, PaperRecord
from search.alike import Alike, PaperText, kmeans_labels, svm_scores
from tests.load.test_load_and_import import ROOT, coolpapers, free_port, wait_until_up
from tests.web.data import CY_ID, MATH_ID, fill_sync
from web.app import create_app
from web.related import AlikeCache

WAIT = 30  # seconds at most that a test waits for a build's thread (never reached when it passes)


def record(arxiv_id: str, words: str) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=1,
        title=f"On {words}",
        abstract=f"We study {words} and {words} again.",
        authors=(AuthorRecord("Ada Lovelace"),),
        primary_category="cs.LG",
        categories=("cs.LG",),
    )


ATTENTION = (("2401.00001", "sparse attention kernels"), ("2401.00002", "sparse attention heads"))


async def store(sessions, *papers: tuple[str, str]) -> None:
    """Ingest a paper of each ``(arxiv_id, words)``."""
    async with sessions.begin() as session:
        await ingest(session, [record(arxiv_id, words) for arxiv_id, words in papers])


class GatedBuild:
    """Builds ``Alike`` vectors; from the ``hold_from``-th build on, each waits for ``gate``."""

    def __init__(self, hold_from: int) -> None:
        self.hold_from = hold_from
        self.started = 0
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __call__(self, papers, **options) -> Alike:
        self.started += 1
        if self.started >= self.hold_from:
            self.entered.set()
            assert self.gate.wait(WAIT)
        return Alike(papers, **options)


async def test_stale_vectors_are_served_while_one_new_build_runs(sessions):
    await store(sessions, *ATTENTION)
    now = [0.0]
    build = GatedBuild(hold_from=2)
    cache = AlikeCache(recheck=30, clock=lambda: now[0], build=build)
    cache.bind(sessions)
    async with sessions() as session:
        first = await cache.get(session)
    assert "2401.00003" not in {i for i, _ in first.related("2401.00001", 5)}

    await store(sessions, ("2401.00003", "sparse attention kernels again"))
    now[0] = 10.0  # within the recheck: the archive is not looked at
    async with sessions() as session:
        assert await cache.get(session) is first
    assert cache.building is None and build.started == 1

    now[0] = 31.0  # stale: the change is seen, a build starts, this reader does not wait for it
    async with sessions() as session:
        assert await cache.get(session) is first
    building = cache.building
    assert building is not None
    assert await anyio.to_thread.run_sync(build.entered.wait, WAIT)
    now[0] = 62.0  # another look while it builds: the same vectors, no second build
    async with sessions() as session:
        assert await cache.get(session) is first
    assert cache.building is building and build.started == 2

    build.gate.set()
    rebuilt = await building
    assert cache.building is None and cache.builds == 2
    async with sessions() as session:
        assert await cache.get(session) is rebuilt
    assert "2401.00003" in {i for i, _ in rebuilt.related("2401.00001", 5)}


async def test_readers_before_the_first_vectors_wait_for_the_build_under_way(sessions):
    await store(sessions, ("2401.00001", "graph kernels"), ("2401.00002", "graph neural kernels"))
    build = GatedBuild(hold_from=1)
    cache = AlikeCache(build=build)
    cache.bind(sessions)
    started = cache.start()
    assert started is not None and cache.start() is started  # one build at a time

    async def read():
        async with sessions() as session:
            return await cache.get(session)

    async with anyio.create_task_group() as group:
        results = []

        async def reader() -> None:
            results.append(await read())

        group.start_soon(reader)
        group.start_soon(reader)
        assert await anyio.to_thread.run_sync(build.entered.wait, WAIT)
        build.gate.set()
    assert results[0] is results[1] is await started
    assert build.started == 1 and cache.builds == 1


async def test_a_failed_background_build_keeps_the_previous_vectors(sessions):
    await store(sessions, ("2401.00001", "robust optimisers"), ("2401.00002", "robust losses"))
    now = [0.0]
    failing = [False]

    def build(papers, **options) -> Alike:
        if failing[0]:
            raise RuntimeError("no vectors")
        return Alike(papers, **options)

    cache = AlikeCache(recheck=30, clock=lambda: now[0], build=build)
    cache.bind(sessions)
    async with sessions() as session:
        first = await cache.get(session)
    await store(sessions, ("2401.00003", "robust schedules"))
    failing[0], now[0] = True, 31.0
    async with sessions() as session:
        assert await cache.get(session) is first
    task = cache.building
    assert task is not None
    with pytest.raises(RuntimeError, match="no vectors"):
        await task
    assert cache.building is None
    now[0] = 62.0
    async with sessions() as session:
        assert await cache.get(session) is first  # and a new build is tried
    failing[0] = False
    assert cache.building is not None
    assert await cache.building is not first


def test_the_served_site_starts_building_the_vectors_as_it_starts(filled_settings):
    app = freeze_after_startup(site(filled_settings))
    try:
        with TestClient(app) as client:

            async def built():  # begun at start-up once the index is read, not by a reader
                await app.state.index_loading
                while app.state.alike.building is None:
                    await asyncio.sleep(0.01)
                return await app.state.alike.building

            client.portal.call(asyncio.wait_for, built(), 30)
            assert app.state.alike.builds == 1
            page = client.get(f"/arxiv/{MATH_ID}")
            assert page.status_code == 200 and "Related papers" in page.text
            assert app.state.alike.builds == 1
    finally:
        gc.unfreeze()  # what the served site froze at start-up, for the tests that follow


async def test_stopping_does_not_wait_for_the_build_under_way(sessions):
    await store(sessions, ("2401.00001", "graph kernels"))
    build = GatedBuild(hold_from=1)
    cache = AlikeCache(build=build)
    cache.bind(sessions)
    started = cache.start()
    assert started is not None
    assert await anyio.to_thread.run_sync(build.entered.wait, WAIT)
    try:
        with anyio.fail_after(WAIT / 2):  # cancelled, not awaited to its end
            await cache.stop()
        assert started.cancelled() and cache.building is None and cache.alike is None
    finally:
        build.gate.set()


def test_a_paper_page_does_not_wait_for_the_first_vectors(filled_settings):
    app = create_app(filled_settings)
    build = GatedBuild(hold_from=1)
    app.state.alike.build = build
    try:
        with TestClient(app) as client:
            page = client.get(f"/arxiv/{MATH_ID}")
            assert page.status_code == 200
            assert f'data-pending="/fragments/related/{MATH_ID}"' in page.text
            assert "Finding related papers…" in page.text and "related-list" not in page.text
            assert build.entered.wait(WAIT)  # the page began their build
            assert client.get(f"/arxiv/{MATH_ID}").status_code == 200  # still not waiting
            assert build.started == 1

            build.gate.set()
            fragment = client.get(f"/fragments/related/{MATH_ID}")  # waits for the build
            assert fragment.status_code == 200 and "related-list" in fragment.text
            page = client.get(f"/arxiv/{MATH_ID}")
            assert "data-pending" not in page.text and "related-list" in page.text
            assert build.started == 1 and app.state.alike.builds == 1
    finally:
        build.gate.set()


def mapped(array: np.ndarray) -> bool:
    while not isinstance(array, np.memmap) and isinstance(array.base, np.ndarray):
        array = array.base
    return isinstance(array, np.memmap)


async def texts_read_here(session):
    raise AssertionError("the texts of the archive read by the site's process")


def built_by(papers, **options) -> Alike:
    """Builds ``Alike`` vectors and says in which process (a function a child can import)."""
    alike = Alike(papers, **options)
    alike.built_by = os.getpid()  # type: ignore[attr-defined]
    return alike


async def test_a_cache_apart_builds_the_same_vectors_in_a_child_process(
    sessions, monkeypatch, tmp_path
):
    await store(sessions, *ATTENTION, ("2401.00003", "graph coloring bounds"))
    here, apart = AlikeCache(build=built_by), AlikeCache(build=built_by, apart=True)
    handed: list[Path] = []  # the directories the vectors' files were handed over in

    def directory(prefix: str) -> str:
        handed.append(tmp_path / f"{prefix}{len(handed)}")
        handed[-1].mkdir()
        return str(handed[-1])

    monkeypatch.setattr("web.related.tempfile", SimpleNamespace(mkdtemp=directory))
    for cache in (here, apart):
        cache.bind(sessions)
        started = cache.start()
        assert started is not None
        await asyncio.wait_for(started, WAIT)
        # The child reads the archive's texts itself: the site's process reads none of them.
        monkeypatch.setattr("web.related.archive_texts", texts_read_here)
    assert here.alike is not None and apart.alike is not None
    assert here.alike.built_by == os.getpid() != apart.alike.built_by
    # handed over as files, mapped into this process's memory, then removed
    assert mapped(apart.alike.vectors.data) and not mapped(here.alike.vectors.data)
    assert len(handed) == 1 and not handed[0].exists()
    for paper_id in here.alike.ids.tolist():
        assert apart.alike.related(paper_id) == here.alike.related(paper_id)
    assert multiprocessing.active_children() == []


TOPICAL = [
    PaperText(f"t{n}", f"{words} {n}", f"We study {words}, {words} and more {words}.", ("cs.LG",))
    for n, words in enumerate(
        ["sparse attention kernels"] * 4 + ["graph coloring bounds"] * 4 + ["protein folding"] * 4
    )
]


async def test_a_cache_apart_learns_topics_and_for_you_in_a_child_process():
    alike = Alike(TOPICAL)
    ids = [p.id for p in TOPICAL]
    here, apart = AlikeCache(), AlikeCache(apart=True)
    child = await anyio.to_thread.run_sync(apart.learning(os.getpid))
    assert child != os.getpid() and here.learning(os.getpid)() == os.getpid()

    def both(method, *args, learning) -> tuple:
        return method(*args, here.learning(learning)), method(*args, apart.learning(learning))

    kept, learnt = await anyio.to_thread.run_sync(
        lambda: both(alike.topics, ids, learning=kmeans_labels)
    )
    assert kept == learnt and len(kept) > 1
    kept, learnt = await anyio.to_thread.run_sync(
        lambda: both(alike.for_you, ["t0", "t1"], ids[2:], learning=svm_scores)
    )
    assert kept == learnt and kept.ranked[0][0] in {"t2", "t3"}
    assert multiprocessing.active_children() == []


@pytest.mark.sqlite_only
def test_a_served_site_never_imports_scikit_learn(settings, tmp_path) -> None:
    """Its vectors are built, its lists' topics and "for you" learnt, in child processes: the
    import would hold the interpreter's lock for a second, and its objects would lengthen
    every full pass of the garbage collector for the rest of the process's life."""
    fill_sync(settings)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COOLPAPERS_DATABASE_URL": settings.DATABASE_URL}
    server = coolpapers(
        "serve", "--port", str(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_until_up(url, server))
        topics = httpx.get(f"{url}/arxiv/cs.LG?view=topics", timeout=WAIT)
        ranked = httpx.post(
            f"{url}/api/foryou",
            json={"starred": [MATH_ID], "candidates": [CY_ID, MATH_ID]},
            timeout=WAIT,
        )
        maps = Path(f"/proc/{server.pid}/maps").read_text()
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    assert topics.status_code == 200 and "data-topics" in topics.text, log.decode()[-2000:]
    assert ranked.status_code == 200 and ranked.json()["ranked"], ranked.text
    assert "sklearn" not in maps and "scipy" in maps  # its libraries' code not mapped

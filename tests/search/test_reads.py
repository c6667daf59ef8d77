"""What a search reads of the index it already holds: the lists it holds stay right when the
index changes under them, and on PostgreSQL a search is two statements."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import pytest
from asyncpg.prepared_stmt import PreparedStatement
from starlette.testclient import TestClient

from crawler.records import AuthorRecord, PaperRecord, VersionRecord
from models.db import reading
from models.settings import Settings
from search import SearchOptions, configure, loaded, search_papers
from search import sqlite as index_sql
from search.engine import filters_of
from search.options import shared_analyzer
from search.query import parse_query
from tests.indexed import ingest
from tests.pg import databases
from web.app import create_app


def record(arxiv_id: str, title: str, version: int = 1) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract="We count stripes.",
        authors=(AuthorRecord("Ada Lovelace"),),
        primary_category="q-bio.QM",
        categories=("q-bio.QM",),
        published=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
        versions=tuple(VersionRecord(v) for v in range(1, version + 1)),
    )


async def found(sessions, query: str) -> set[str]:
    async with sessions() as session:
        return {hit.paper.id for hit in (await search_papers(session, query)).hits}


@pytest.fixture
def tiny_cache() -> Iterator[None]:
    """A cache of posting lists that keeps one list at a time."""
    configure(SearchOptions(cache_mb=0))
    yield
    configure(SearchOptions())


@pytest.mark.parametrize("cache", ["default", "tiny"])
async def test_lists_held_follow_new_segments_and_papers_gone(
    sessions, request: pytest.FixtureRequest, cache: str
) -> None:
    if cache == "tiny":
        request.getfixturevalue("tiny_cache")
    async with sessions.begin() as session:
        await ingest(session, [record("2501.00001", "Holographic zebrafish")])
    assert await found(sessions, "zebrafish holographic") == {"2501.00001"}
    async with sessions.begin() as session:  # a segment of its own
        await ingest(session, [record("2501.00002", "Zebrafish in holographic light")])
    assert await found(sessions, "zebrafish holographic") == {"2501.00001", "2501.00002"}
    assert await found(sessions, '"holographic zebrafish"') == {"2501.00001"}
    async with sessions.begin() as session:
        await ingest(session, [record("2501.00001", "Axolotls", version=2)])
    assert await found(sessions, "zebrafish holographic") == {"2501.00002"}
    assert await found(sessions, '"holographic zebrafish"') == set()
    assert await found(sessions, "axolotls") == {"2501.00001"}


async def test_a_search_in_a_reading_session_begins_no_transaction_on_sqlite(
    sessions, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site searches in a reading session (``models.db.reading``): on SQLite every read of
    a search, on the event loop or in a worker thread, with filters, phrases and papers'
    bodies, runs on the one connection lent to it, none through a transaction of its own."""
    async with sessions.begin() as session:
        await ingest(session, [record("2501.00001", "Holographic zebrafish")])
    pool = sessions.kw["bind"].sync_engine.pool
    for query in ("zebrafish", "zebrafish", "zebrafish cat:q-bio.QM", '"holographic zebrafish"'):
        for bodies in (False, True):
            async with reading(sessions) as session:
                page = await search_papers(session, query, bodies=bodies)
                assert [hit.paper.id for hit in page.hits] == ["2501.00001"]
                assert session.in_transaction() == (db_backend == "postgresql")
                assert pool.checkedout() == 1
    monkeypatch.setattr(loaded, "SMALL_SEARCH_POSTINGS", 0)  # ranked in a thread
    async with reading(sessions) as session:
        assert (await search_papers(session, "zebrafish")).total == 1
        assert session.in_transaction() == (db_backend == "postgresql")
    assert pool.checkedout() == 0


def hand_overs(sessions, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Awaitable[int]]:
    """``threads(query, expected)``: searches ``query``, checks that it finds the papers
    ``expected``, and tells how many times it handed work to a worker thread."""
    handed: list[object] = []
    original = index_sql.anyio.to_thread.run_sync

    async def counted(function, *args, **kwargs):
        handed.append(function)
        return await original(function, *args, **kwargs)

    monkeypatch.setattr(index_sql.anyio.to_thread, "run_sync", counted)

    async def threads(query: str, expected: set[str]) -> int:
        before = len(handed)
        assert await found(sessions, query) == expected
        return len(handed) - before

    return threads


async def test_a_short_search_of_lists_held_skips_the_worker_thread(
    sessions, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a search whose lists this process holds, short, with no filter read from the
    papers' tables, is ranked on the event loop; the answers are the same either way."""
    threads = hand_overs(sessions, monkeypatch)
    async with sessions.begin() as session:
        await ingest(session, [record("2501.00001", "Holographic zebrafish")])
    assert await threads("zebrafish", {"2501.00001"}) == 1  # its list read and decoded
    assert await threads("zebrafish", {"2501.00001"}) == 0
    assert await threads("zebrafish cat:q-bio.QM", {"2501.00001"}) == 1
    async with sessions.begin() as session:  # one paper more, in a new segment
        await ingest(session, [record("2501.00002", "Zebrafish in holographic light")])
    both = {"2501.00001", "2501.00002"}
    # SQLite reads the new segment's short list on the event loop. PostgreSQL's one read
    # names the segment it holds, so its rows lack that segment's data: the thread finds the
    # list incomplete, the list is read again whole, and ranked in the thread.
    assert await threads("zebrafish", both) == (0 if db_backend == "sqlite" else 2)
    assert await threads("zebrafish", both) == 0
    monkeypatch.setattr(loaded, "SMALL_SEARCH_POSTINGS", 1)
    assert await threads("zebrafish", both) == 1


@pytest.mark.sqlite_only
async def test_a_search_behind_the_index_or_behind_another_search_goes_to_a_thread(
    sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a short search of lists held still goes to a thread when the index has
    moved by more than ``SMALL_SEARCH_CATCH_UP`` papers since this process read it, or when
    another search is catching the index up (holding its lock)."""
    threads = hand_overs(sessions, monkeypatch)
    async with sessions.begin() as session:
        await ingest(session, [record("2501.00001", "Holographic zebrafish")])
    assert await threads("zebrafish", {"2501.00001"}) == 1
    monkeypatch.setattr(loaded, "SMALL_SEARCH_CATCH_UP", 0)
    async with sessions.begin() as session:
        await ingest(session, [record("2501.00002", "Zebrafish again")])
    assert await threads("zebrafish", {"2501.00001", "2501.00002"}) == 1
    assert await threads("zebrafish", {"2501.00001", "2501.00002"}) == 0

    async with sessions() as session:
        database = str(session.bind.url)
    index = loaded._loaded[(database, loaded._last_ids[database])]
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with index.lock:
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)

    def position(statement: str, params: object = ()) -> list[tuple]:
        return [(index.index_id, index.last_docid, index.last_deleted)]

    plan = index_sql.plan_query(parse_query("zebrafish"), shared_analyzer())
    try:
        assert not loaded.small_search(position, database, plan)
    finally:
        done.set()
        holder.join()
    assert loaded.small_search(position, database, plan)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements asyncpg runs from now on."""
    run: list[str] = []
    for name in ("fetch", "execute", "fetchrow", "fetchval", "executemany"):
        original = getattr(asyncpg.Connection, name)

        def counted(self, query, *args, __original=original, **kwargs):
            run.append(query)
            return __original(self, query, *args, **kwargs)

        monkeypatch.setattr(asyncpg.Connection, name, counted)
    for name in ("fetch", "fetchrow", "fetchval", "executemany"):  # SQLAlchemy's statements
        original = getattr(PreparedStatement, name)

        def executed(self, *args, __original=original, **kwargs):
            run.append(self.get_query())
            return __original(self, *args, **kwargs)

        monkeypatch.setattr(PreparedStatement, name, executed)
    return run


@pytest.mark.postgresql_only
async def test_a_search_on_postgresql_is_two_statements_one_with_its_lists_held(
    sessions, statements
) -> None:
    async with sessions.begin() as session:
        await ingest(session, [record("2501.00001", "Holographic zebrafish")])
    assert await found(sessions, "zebrafish") == {"2501.00001"}
    statements.clear()
    assert await found(sessions, "holographic zebrafish") == {"2501.00001"}
    assert len(statements) == 2, statements  # "holographic" is not held: the lists, the page
    statements.clear()
    assert await found(sessions, "holographic zebrafish") == {"2501.00001"}
    assert len(statements) == 1, statements  # ranked first, the page read with the check
    statements.clear()
    query = parse_query("zebrafish")
    async with sessions() as session:
        page = await index_sql.run_search(
            session,
            query,
            filters_of(query),
            shared_analyzer(),
            sort="relevance",
            limit=5,
            offset=0,
        )
    assert [paper_id for paper_id, _ in page.ranked] == ["2501.00001"]
    assert len(statements) == 2, statements  # the lists, and the page's paper ids
    # The index moves under the lists held (a new segment, a paper gone): the check sees it,
    # and the search reads the index as usual.
    async with sessions.begin() as session:
        await ingest(
            session,
            [record("2501.00002", "Zebrafish, holographic"), record("2501.00001", "Cats", 2)],
        )
    statements.clear()
    assert await found(sessions, "holographic zebrafish") == {"2501.00002"}
    assert len(statements) > 1, statements
    statements.clear()
    assert await found(sessions, "holographic zebrafish") == {"2501.00002"}
    assert len(statements) == 1, statements


@pytest.mark.postgresql_only
def test_a_search_on_a_lost_connection_is_a_503_and_the_next_one_reconnects(
    sample_settings: Settings,
) -> None:
    with TestClient(create_app(sample_settings)) as client:
        assert client.get("/api/search", params={"q": "learning"}).json()["results"]
        assert databases.disconnect(sample_settings.DATABASE_URL) >= 1
        lost = client.get("/api/search", params={"q": "learning"})
        assert lost.status_code == 503 and lost.headers["retry-after"] == "5"
        assert lost.json()["error"].startswith("the database is unavailable")
        assert client.get("/api/search", params={"q": "network"}).json()["results"]

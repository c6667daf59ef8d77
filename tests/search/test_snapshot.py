"""The papers' arrays stored whole (``search.snapshot``): a process that reads them, then the
rows since, holds what it would have read row by row; writers keep them near the index; a
snapshot that does not decode is read past; the migration fills it from the index."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import search
from cli.db import alembic_config, upgrade_database
from models.db import create_engine, session_factory
from models.settings import Settings
from search import loaded, storage
from search.schema import DOCS_TABLE, SNAPSHOT_TABLE
from search.snapshot import Snapshot, advanced

# ---------------------------------------------------------------------------- pure


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.integers(1, 400), st.integers(0, 20_000)),
            st.tuples(st.just("delete"), st.integers(0, 60), st.just(0)),
            st.tuples(st.just("snapshot"), st.just(0), st.just(0)),
        ),
        max_size=80,
    )
)
def test_a_snapshot_advanced_by_the_rows_and_deletions_since_is_the_index_as_it_is(steps) -> None:
    present: dict[int, tuple[int, int]] = {}  # search_docs: docid -> (length, day)
    log: list[tuple[int, int]] = []  # search_deleted: (seq, docid)
    next_docid = 1
    snapshot: Snapshot | None = None
    for action, a, b in steps:
        if action == "add":
            present[next_docid] = (a, b)
            next_docid += 1
        elif action == "delete" and present:
            docid = sorted(present)[a % len(present)]
            del present[docid]
            log.append((len(log) + 1, docid))
        elif action == "snapshot":
            upto = snapshot.upto if snapshot is not None else -1
            deleted_upto = snapshot.deleted_upto if snapshot is not None else 0
            added = [(d, *row) for d, row in present.items() if d > upto]
            snapshot = advanced(snapshot, added, [e for e in log if e[0] > deleted_upto])
    upto = snapshot.upto if snapshot is not None else -1
    deleted_upto = snapshot.deleted_upto if snapshot is not None else 0
    added = [(d, *row) for d, row in present.items() if d > upto]
    final = advanced(snapshot, added, [e for e in log if e[0] > deleted_upto])
    whole = advanced(None, [(d, *row) for d, row in present.items()], [])
    size = max(final.upto, whole.upto) + 1
    alive = _padded(whole.alive, size)
    assert (_padded(final.alive, size) == alive).all()
    for name in ("lengths", "days"):  # a paper's row where it is indexed
        ours, theirs = _padded(getattr(final, name), size), _padded(getattr(whole, name), size)
        assert (ours[alive == 1] == theirs[alive == 1]).all(), name
    assert final.count == len(present)


def _padded(array: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=np.int64)
    out[: len(array)] = array
    return out


def test_a_row_that_does_not_hold_its_papers_is_no_snapshot() -> None:
    good = advanced(None, [(1, 10, 100), (3, 30, 300)], [])
    assert Snapshot.from_row(good.row()) is not None
    upto, deleted, alive, lengths, days = good.row()
    assert Snapshot.from_row(None) is None
    assert Snapshot.from_row((upto, deleted, alive, lengths[:-1], days)) is None
    assert Snapshot.from_row((upto + 1, deleted, alive, lengths, days)) is None
    assert Snapshot.from_row((-1, deleted, b"", b"", b"")) is None
    back = Snapshot.from_row(good.row())
    assert back is not None and back.lengths.tolist() == [0, 10, 0, 30]


# ---------------------------------------------------------------------------- on a database


async def _loaded_arrays(sessions: async_sessionmaker[AsyncSession]) -> dict[str, object]:
    """What a process reads of the index before its first search."""
    loaded._loaded.clear()
    async with sessions() as session:
        await search.load_index(session)
    (index,) = loaded._loaded.values()
    size = index.last_docid + 1
    alive = index.alive[:size]
    return {  # a paper's length and day where it is indexed (a docid gone keeps its own)
        "count": index.count,
        "alive": alive.tolist(),
        "lengths": (index.lengths[:size] * alive).tolist(),
        "days": (index.days[:size] * alive).tolist(),
        "last": (index.last_docid, index.last_deleted),
        "total": round(index.total_length),
    }


async def _change_papers(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    """Give ``count`` papers a new title and index them again: new docids, old ones gone."""
    async with sessions.begin() as session:
        ids = [
            row[0]
            for row in await session.execute(
                text(f"SELECT paper_id FROM {DOCS_TABLE} ORDER BY docid LIMIT {count}")
            )
        ]
        for paper_id in ids:
            await session.execute(
                text("UPDATE papers SET title = title || ' (revised)' WHERE id = :id"),
                {"id": paper_id},
            )
        await search.index_papers(session, ids)


async def _snapshot_upto(sessions: async_sessionmaker[AsyncSession]) -> int | None:
    async with sessions() as session:
        rows = (await session.execute(text(f"SELECT upto FROM {SNAPSHOT_TABLE}"))).all()
    return rows[0][0] if rows else None


async def test_a_process_reads_the_snapshot_then_the_papers_since_as_it_would_every_row(
    sample_sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sample_sessions.begin() as session:
        assert await storage.refresh_snapshot(session, every=1)
    snapshot_upto = await _snapshot_upto(sample_sessions)
    await _change_papers(sample_sessions, 5)  # added and deleted after the snapshot
    restored: list[int] = []
    restore = loaded.LoadedIndex.restore

    def counted(self: loaded.LoadedIndex, snapshot: Snapshot) -> None:
        restored.append(snapshot.upto)
        restore(self, snapshot)

    monkeypatch.setattr(loaded.LoadedIndex, "restore", counted)
    from_snapshot = await _loaded_arrays(sample_sessions)
    assert restored == [snapshot_upto]
    async with sample_sessions.begin() as session:
        await session.execute(text(f"DELETE FROM {SNAPSHOT_TABLE}"))
    row_by_row = await _loaded_arrays(sample_sessions)
    assert restored == [snapshot_upto]  # no snapshot: nothing restored
    assert from_snapshot == row_by_row
    assert row_by_row["last"][0] > snapshot_upto and row_by_row["count"] > 100


async def test_a_snapshot_that_does_not_decode_is_read_past(
    sample_sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sample_sessions.begin() as session:
        await storage.refresh_snapshot(session, every=1)
    expected = await _loaded_arrays(sample_sessions)
    async with sample_sessions.begin() as session:
        await session.execute(
            text(f"UPDATE {SNAPSHOT_TABLE} SET lengths = :cut"), {"cut": b"\x00\x01\x02"}
        )
    assert await _loaded_arrays(sample_sessions) == expected
    # the next refresh writes it anew, from every row
    async with sample_sessions.begin() as session:
        assert await storage.refresh_snapshot(session, every=0)
    assert await _loaded_arrays(sample_sessions) == expected


async def test_writers_refresh_the_snapshot_once_the_index_has_moved_far_enough(
    sample_sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sample_sessions.begin() as session:
        await storage.refresh_snapshot(session, every=1)
    before = await _snapshot_upto(sample_sessions)
    await _change_papers(sample_sessions, 3)  # three new docids: under the default step
    assert await _snapshot_upto(sample_sessions) == before
    monkeypatch.setattr(storage, "SNAPSHOT_EVERY", 3)
    await _change_papers(sample_sessions, 3)  # six since: refreshed in the write
    async with sample_sessions() as session:
        (last,) = (await session.execute(text(f"SELECT max(docid) FROM {DOCS_TABLE}"))).one()
    assert await _snapshot_upto(sample_sessions) == last
    monkeypatch.setattr(storage, "SNAPSHOT_EVERY", 1000)
    await _change_papers(sample_sessions, 1)
    async with sample_sessions.begin() as session:  # compaction brings it to the last paper
        await storage.merge_all(session)
    async with sample_sessions() as session:
        (last,) = (await session.execute(text(f"SELECT max(docid) FROM {DOCS_TABLE}"))).one()
    assert await _snapshot_upto(sample_sessions) == last


def test_the_migration_fills_the_snapshot_from_the_index(sample_settings: Settings) -> None:
    url = sample_settings.DATABASE_URL

    async def arrays() -> dict[str, object]:
        engine = create_engine(settings=sample_settings)
        try:
            return await _loaded_arrays(session_factory(engine))
        finally:
            await engine.dispose()

    expected = asyncio.run(arrays())
    command.downgrade(alembic_config(url), "0013")
    upgrade_database(url)

    async def upto() -> int | None:
        engine = create_engine(settings=sample_settings)
        try:
            return await _snapshot_upto(session_factory(engine))
        finally:
            await engine.dispose()

    assert asyncio.run(upto()) == expected["last"][0]
    assert asyncio.run(arrays()) == expected


async def test_the_index_check_finds_arrays_that_differ_and_a_rebuild_writes_them_anew(
    sample_sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sample_sessions.begin() as session:
        await storage.refresh_snapshot(session, every=1)
    await _change_papers(sample_sessions, 4)  # deleted after the snapshot: nothing wrong
    async with sample_sessions() as session:
        assert (await search.check_index(session, sample=10)).integrity is None
    expected = await _loaded_arrays(sample_sessions)
    async with sample_sessions.begin() as session:  # the same size, other lengths
        (size,) = (
            await session.execute(text(f"SELECT length(lengths) FROM {SNAPSHOT_TABLE}"))
        ).one()
        await session.execute(
            text(f"UPDATE {SNAPSHOT_TABLE} SET lengths = :other"), {"other": b"\x07" * size}
        )
    async with sample_sessions() as session:
        found = await search.check_index(session, sample=10)
    assert not found.ok and SNAPSHOT_TABLE in (found.integrity or "")
    await search.rebuild_index(sample_sessions)
    async with sample_sessions() as session:
        assert (await search.check_index(session, sample=10)).integrity is None
    assert await _loaded_arrays(sample_sessions) == expected

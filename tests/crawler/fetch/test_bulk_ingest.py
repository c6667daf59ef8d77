"""The ingest's SQLite fast path writes what SQLAlchemy itself would write."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select

from crawler.ingest import _sqlite_utc, ingest
from crawler.parse import parse_document
from crawler.records import AuthorRecord, PaperRecord
from models.schema import Paper
from tests.fakearxiv import fixture

UTC = dt.UTC


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 1, 2, 18, 0, tzinfo=UTC),
        dt.datetime(2008, 1, 23, 21, 6, 41, 123, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(2026, 11, 28, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(0))),
    ],
)
@pytest.mark.sqlite_only
async def test_timestamps_are_stored_as_sqlalchemy_stores_them(sessions, value):
    async with sessions() as session:
        connection = await session.connection()
        bind = Paper.__table__.c.published.type._cached_bind_processor(connection.dialect)
    assert _sqlite_utc(value) == bind(value)


def test_a_naive_timestamp_is_refused():
    with pytest.raises(ValueError, match="naive datetime"):
        _sqlite_utc(dt.datetime(2024, 1, 2))


async def test_the_fast_path_and_the_orm_read_back_the_same_paper(sessions, database_path):
    [paper] = [
        p
        for p in parse_document(fixture("oai/arxivsync_47001.xml")).papers
        if p.arxiv_id == "0801.3674"
    ]
    async with sessions.begin() as session:
        await ingest(session, [paper])
    async with sessions() as session:
        stored = (await session.execute(select(Paper).where(Paper.id == "0801.3674"))).scalar_one()
        assert stored.published == paper.published
        assert stored.updated == paper.updated
        assert stored.published.tzinfo is not None
    with sqlite3.connect(database_path) as connection:
        authors = connection.execute(
            "select a.name, pa.affiliation from paper_authors pa join authors a"
            " on a.id = pa.author_id where pa.paper_id = ? order by pa.position",
            ("0801.3674",),
        ).fetchall()
    assert authors == [(a.name, a.affiliation) for a in paper.authors]
    assert len(authors) == 3


async def test_shared_authors_map_to_one_row_each(sessions, database_path):
    def record(i: int, *names: str) -> PaperRecord:
        return PaperRecord(
            arxiv_id=f"2401.{i:05d}",
            version=1,
            title="t",
            authors=tuple(AuthorRecord(n) for n in names),
        )

    async with sessions.begin() as session:
        await ingest(session, [record(1, "A", "B"), record(2, "B", "C")])
    async with sessions.begin() as session:
        await ingest(session, [record(3, "C", "A", "D")])
    with sqlite3.connect(database_path) as connection:
        names = connection.execute("select name from authors order by name").fetchall()
        rows = connection.execute(
            "select pa.paper_id, a.name from paper_authors pa join authors a"
            " on a.id = pa.author_id order by pa.paper_id, pa.position"
        ).fetchall()
    assert names == [("A",), ("B",), ("C",), ("D",)]
    assert rows == [
        ("2401.00001", "A"),
        ("2401.00001", "B"),
        ("2401.00002", "B"),
        ("2401.00002", "C"),
        ("2401.00003", "C"),
        ("2401.00003", "A"),
        ("2401.00003", "D"),
    ]


async def test_rows_written_by_the_fast_path_equal_those_of_sqlalchemy(sessions, database_path):
    from crawler.ingest import _insert

    moment = dt.datetime(2008, 1, 23, 21, 6, 41, 123, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    def row(paper_id: str) -> dict:
        return {
            "id": paper_id,
            "version": 2,
            "title": "t",
            "abstract": "",
            "withdrawn": True,
            "published": moment,
            "updated": None,
            "created_at": moment,
            "modified_at": moment,
        }

    async with sessions.begin() as session:
        await session.execute(Paper.__table__.insert(), [row("core")])
        await _insert(session, Paper.__table__, [row("fast")])
    with sqlite3.connect(database_path) as connection:
        core, fast = (
            connection.execute("select * from papers where id = ?", (i,)).fetchone()[1:]
            for i in ("core", "fast")
        )
    assert core == fast


async def test_many_rows_go_in_statements_of_many_rows(sessions, database_path):
    from crawler.ingest import ROWS_PER_STATEMENT

    records = [
        PaperRecord(arxiv_id=f"2401.{i:05d}", version=1, title=f"t{i}")
        for i in range(2 * ROWS_PER_STATEMENT + 7)
    ]
    async with sessions.begin() as session:
        counts = await ingest(session, records)
    assert counts.new == len(records) == sum(1 for _ in _ids(database_path))


def _ids(path):
    with sqlite3.connect(path) as connection:
        return [r[0] for r in connection.execute("select id from papers")]

"""The ingest is idempotent: same records twice change nothing; versions move forward only."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from crawler.ingest import announcement_rows, ingest
from crawler.records import AnnouncementRecord, AuthorRecord, PaperRecord, VersionRecord
from models.queries import get_paper
from models.schema import AnnounceType

UTC = dt.UTC


def record(version: int = 1, **changes) -> PaperRecord:
    base = dict(
        arxiv_id="2401.01234",
        version=version,
        title=f"A study, v{version}",
        abstract=f"Abstract of v{version}.",
        authors=(AuthorRecord("Ada Lovelace"), AuthorRecord("Émilie du Châtelet", "ENS")),
        primary_category="cs.CL",
        categories=("cs.CL", "cs.LG"),
        published=dt.datetime(2024, 1, 2, 18, 0, tzinfo=UTC),
        updated=dt.datetime(2024, 1, 2 + version, 18, 0, tzinfo=UTC),
        versions=tuple(VersionRecord(v) for v in range(1, version + 1)),
    )
    base.update(changes)
    return PaperRecord(**base)


def dump(path) -> list[tuple]:
    """Every row of every table, so that 'unchanged' can be asserted exactly."""
    with sqlite3.connect(path) as connection:
        tables = [
            r[0]
            for r in connection.execute(
                "select name from sqlite_master where type='table' and name not like 'sqlite_%'"
            )
        ]
        return [
            (t, sorted(connection.execute(f"select * from {t}").fetchall(), key=repr))
            for t in sorted(tables)
        ]


async def test_new_paper_is_stored_with_authors_in_order_categories_and_versions(sessions):
    async with sessions.begin() as session:
        counts = await ingest(session, [record(2)])
    assert (counts.new, counts.updated, counts.unchanged) == (1, 0, 0)
    async with sessions() as session:
        paper = await get_paper(session, "2401.01234")
    assert paper.version == 2
    assert [a.name for a in paper.authors] == ["Ada Lovelace", "Émilie du Châtelet"]
    assert paper.authors[1].affiliation == "ENS"
    assert [(c.category, c.is_primary) for c in paper.categories] == [
        ("cs.CL", True),
        ("cs.LG", False),
    ]
    assert [v.version for v in paper.versions] == [1, 2]
    assert paper.published == dt.datetime(2024, 1, 2, 18, 0, tzinfo=UTC)


async def test_importing_the_same_records_twice_changes_nothing(sessions, database_path):
    async with sessions.begin() as session:
        await ingest(session, [record(1), record(2, arxiv_id="2401.09999")])
    before = dump(database_path)
    async with sessions.begin() as session:
        counts = await ingest(session, [record(1), record(2, arxiv_id="2401.09999")])
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 2)
    assert dump(database_path) == before


async def test_newer_version_updates_the_paper_and_adds_a_version(sessions):
    async with sessions.begin() as session:
        await ingest(session, [record(1)])
    newer = record(2, authors=(AuthorRecord("Ada Lovelace"),), categories=("cs.CL",))
    async with sessions.begin() as session:
        counts = await ingest(session, [newer])
    assert counts.updated == 1
    async with sessions() as session:
        paper = await get_paper(session, "2401.01234")
    assert (paper.version, paper.title) == (2, "A study, v2")
    assert [a.name for a in paper.authors] == ["Ada Lovelace"]
    assert [c.category for c in paper.categories] == ["cs.CL"]
    assert [v.version for v in paper.versions] == [1, 2]


async def test_older_version_after_a_newer_one_leaves_the_database_unchanged(
    sessions, database_path
):
    async with sessions.begin() as session:
        await ingest(session, [record(3)])
    before = dump(database_path)
    async with sessions.begin() as session:
        counts = await ingest(session, [record(1, comment="old comment")])
    assert counts.unchanged == 1
    assert dump(database_path) == before


async def test_same_version_fills_in_only_what_is_missing(sessions):
    async with sessions.begin() as session:
        await ingest(session, [record(1, doi=None, comment=None, authors=())])
    richer = record(1, title="Another title", doi="10.1/x", comment="12 pages")
    async with sessions.begin() as session:
        counts = await ingest(session, [richer])
    assert counts.updated == 1
    async with sessions() as session:
        paper = await get_paper(session, "2401.01234")
    assert paper.title == "A study, v1"  # present fields are kept
    assert (paper.doi, paper.comment) == ("10.1/x", "12 pages")
    assert len(paper.authors) == 2


async def test_a_paper_repeated_within_one_batch_is_stored_once(sessions):
    async with sessions.begin() as session:
        counts = await ingest(session, [record(1), record(2), record(1)])
    assert (counts.new, counts.updated, counts.unchanged) == (1, 1, 1)
    async with sessions() as session:
        assert (await get_paper(session, "2401.01234")).version == 2


async def test_a_failed_transaction_writes_nothing(sessions, database_path):
    before = dump(database_path)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await ingest(session, [record(1)])
            raise RuntimeError("crash in the middle of an ingest")
    assert dump(database_path) == before


async def test_large_batches_and_shared_authors(sessions):
    records = [
        record(
            1,
            arxiv_id=f"2401.{i:05d}",
            authors=(AuthorRecord("Shared Author"), AuthorRecord(f"Author {i}")),
        )
        for i in range(1200)
    ]
    async with sessions.begin() as session:
        counts = await ingest(session, records, batch_size=500)
    assert counts.new == 1200
    async with sessions() as session:
        paper = await get_paper(session, "2401.01199")
    assert [a.name for a in paper.authors] == ["Shared Author", "Author 1199"]


async def test_every_link_names_an_author_and_a_category_that_are_stored(sessions, database_url):
    # The links carry no foreign key to the authors and categories (they are only ever
    # added): the ingest itself stores each one before the links to it.
    from tests.pg import databases

    ann = AnnouncementRecord(dt.date(2024, 11, 28), "new", ("cs", "math"))
    async with sessions.begin() as session:
        await ingest(session, [record(1, announcement=ann)])
        await ingest(session, [record(1, arxiv_id="2401.00002", categories=("math.CO",))])
    replaced = record(
        2,
        authors=(AuthorRecord("Grace Hopper"),),
        primary_category="stat.ML",
        categories=("stat.ML", "q-bio.NC"),
        announcement=AnnouncementRecord(dt.date(2024, 11, 29), "replace", ("stat", "q-bio")),
    )
    async with sessions.begin() as session:
        counts = await ingest(session, [replaced])
    assert counts.updated == 1
    assert databases.query(
        database_url,
        "SELECT count(*) FROM paper_authors pa WHERE NOT EXISTS"
        " (SELECT 1 FROM authors a WHERE a.id = pa.author_id)",
    ) == [(0,)]
    for links in ("paper_categories", "announcements"):
        assert databases.query(
            database_url,
            f"SELECT count(*) FROM {links} l WHERE NOT EXISTS"
            " (SELECT 1 FROM categories c WHERE c.code = l.category)",
        ) == [(0,)]
    assert databases.query(
        database_url, "SELECT category FROM announcements ORDER BY category"
    ) == [("cs.CL",), ("cs.LG",), ("q-bio.NC",), ("stat.ML",)]
    assert databases.query(database_url, "SELECT name FROM authors ORDER BY name") == [
        ("Ada Lovelace",),
        ("Grace Hopper",),
        ("Émilie du Châtelet",),
    ]


def test_announcements_follow_the_feed_categories_and_arxiv_listing_types():
    new = record(1, announcement=AnnouncementRecord(dt.date(2024, 11, 28), "new", ("cs",)))
    rows = announcement_rows(new)
    assert [(r["category"], r["type"]) for r in rows] == [
        ("cs.CL", AnnounceType.NEW),
        ("cs.LG", AnnounceType.CROSS),
    ]
    replaced = record(
        2, announcement=AnnouncementRecord(dt.date(2024, 11, 28), "replace", ("cs.LG",))
    )
    assert [(r["category"], r["type"]) for r in announcement_rows(replaced)] == [
        ("cs.LG", AnnounceType.REPLACE_CROSS)
    ]


async def test_announcements_are_recorded_once(sessions):
    ann = AnnouncementRecord(dt.date(2024, 11, 28), "new", ("cs.CL", "cs.LG"))
    async with sessions.begin() as session:
        first = await ingest(session, [record(1, announcement=ann)])
    async with sessions.begin() as session:
        second = await ingest(session, [record(1, announcement=ann)])
    assert (first.announcements, second.announcements) == (2, 0)


async def test_hooks_see_the_changed_papers_inside_the_transaction(sessions, monkeypatch):
    from crawler.ingest import IngestHooks

    seen: list[list[str]] = []

    async def hook(session, paper_ids):
        assert session.in_transaction()
        seen.append(paper_ids)

    hooks = IngestHooks(papers_changed=hook)
    async with sessions.begin() as session:
        await ingest(session, [record(1), record(1, arxiv_id="2401.00002")], hooks=hooks)
    async with sessions.begin() as session:
        await ingest(session, [record(1), record(2)], hooks=hooks)  # unchanged, then replaced
    async with sessions.begin() as session:
        await ingest(session, [record(3)])  # no hooks given: none run
    assert seen == [["2401.01234", "2401.00002"], ["2401.01234"]]


async def test_a_record_with_an_inexact_version_only_fills_in(sessions):
    """OAI's arXiv format gives a lower bound of the version: it never replaces a versioned one."""
    async with sessions.begin() as session:
        await ingest(session, [record(3, doi=None)])
    lower_bound = record(2, version_exact=False, title="Other", doi="10.1/y")
    async with sessions.begin() as session:
        counts = await ingest(session, [lower_bound])
    assert counts.updated == 1
    async with sessions() as session:
        paper = await get_paper(session, "2401.01234")
    assert (paper.version, paper.title, paper.doi) == (3, "A study, v3", "10.1/y")
    assert [v.version for v in paper.versions] == [1, 2, 3]


async def test_a_new_paper_with_an_inexact_version_records_no_version_history(sessions):
    async with sessions.begin() as session:
        await ingest(session, [record(2, version_exact=False)])
    async with sessions() as session:
        paper = await get_paper(session, "2401.01234")
    assert paper.version == 2
    assert paper.versions == []


def _paper_row(paper_id: str) -> dict:
    moment = dt.datetime(2024, 1, 2, 18, 0, tzinfo=UTC)
    return {
        "id": paper_id, "version": 1, "title": "t", "abstract": "", "withdrawn": False,
        "created_at": moment, "modified_at": moment,
    }  # fmt: skip


async def test_the_fast_path_writes_in_the_callers_transaction_even_as_its_first_statement(
    sessions, database_url
):
    from crawler.ingest import _insert
    from models.schema import Paper
    from tests.pg import databases

    session = sessions()
    async with session:
        await session.begin()
        await _insert(session, Paper.__table__, [_paper_row("2401.00001")])
        await session.rollback()
    assert databases.query(database_url, "select count(*) from papers") == [(0,)]


async def test_the_fast_path_fails_with_sqlalchemys_error_and_writes_nothing(
    sessions, database_url
):
    from sqlalchemy.exc import IntegrityError

    from crawler.ingest import _insert
    from models.schema import Paper
    from tests.pg import databases

    async with sessions.begin() as session:
        await _insert(session, Paper.__table__, [_paper_row("2401.00001")])
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await _insert(session, Paper.__table__, [_paper_row("2401.00002")])
            await _insert(session, Paper.__table__, [_paper_row("2401.00001")])
    assert databases.query(database_url, "select id from papers") == [("2401.00001",)]


async def test_the_papers_coming_hook_is_told_of_the_new_and_replaced_papers_only(
    sessions, db_backend
):
    from crawler.ingest import IngestHooks

    told: list[list[str]] = []

    def coming(records, *, whole=True):
        told.append([r.arxiv_id for r in records])
        yield

    hooks = IngestHooks(papers_coming=coming)
    for batch in (
        [record(1)],  # new
        [record(1)],  # unchanged
        [record(2), record(1, arxiv_id="2401.05678")],  # replaced, new
        [record(2, doi="10.1/x")],  # filled in: the stored text is not the record's
    ):
        async with sessions.begin() as session:
            await ingest(session, batch, hooks=hooks)
    if db_backend == "sqlite":  # SQLite writes in the process: nothing to do meanwhile
        assert told == []
    else:
        assert told == [["2401.01234"], ["2401.01234", "2401.05678"]]


async def test_steps_are_taken_while_the_work_waits_and_the_rest_after_it():
    import asyncio

    from crawler.ingest import alongside

    events: list[str] = []
    gate = asyncio.Event()

    async def work() -> str:
        events.append("work starts")
        await gate.wait()
        events.append("work ends")
        return "done"

    def steps():
        for n in range(4):
            events.append(f"step {n}")
            if n == 1:
                gate.set()
            yield

    assert await alongside(work(), steps()) == "done"
    assert events.index("step 0") < events.index("work ends")
    assert events.index("work ends") < events.index("step 3")
    assert events.count("step 3") == 1


async def test_a_failing_step_cancels_the_work_and_a_failing_work_stops_the_steps():
    import asyncio

    from crawler.ingest import alongside

    cancelled = []

    async def endless() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    def failing():
        yield
        raise ValueError("the step fails")

    with pytest.raises(ValueError, match="the step fails"):
        await alongside(endless(), failing())
    assert cancelled == [True]

    taken = []

    async def broken() -> None:
        raise RuntimeError("the write fails")

    def counted():
        while True:
            taken.append(1)
            yield

    with pytest.raises(RuntimeError, match="the write fails"):
        await alongside(broken(), counted())
    assert len(taken) < 3

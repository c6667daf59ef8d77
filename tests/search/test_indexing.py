"""The index follows the papers: every ingest in its transaction, rebuild, check."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text, update

from crawler import ingest as ingest_module
from crawler.records import AuthorRecord, PaperRecord, VersionRecord
from models.db import create_engine, session_factory
from models.schema import Paper
from search import Analyzer, check_index, index_papers, rebuild_index, search_papers
from search.documents import PaperText
from search.segments import Vocabulary, analyze
from search.storage import write_papers
from tests.indexed import ingest
from tests.pg.databases import query

UTC = dt.UTC


def record(version: int = 1, title: str = "Holographic zebrafish", **more) -> PaperRecord:
    return PaperRecord(
        arxiv_id="2501.00001",
        version=version,
        title=title,
        abstract=more.pop("abstract", "We count zebrafish stripes."),
        authors=(AuthorRecord("Ada Lovelace"),),
        primary_category="q-bio.QM",
        categories=("q-bio.QM",),
        published=dt.datetime(2025, 1, 2, tzinfo=UTC),
        versions=tuple(VersionRecord(v) for v in range(1, version + 1)),
        **more,
    )


async def ids(session, query: str) -> list[str]:
    return [hit.paper.id for hit in (await search_papers(session, query)).hits]


def index_rows(url: str) -> tuple[int, int]:
    """The papers indexed, and the posting lists written."""
    docs = query(url, "SELECT count(*) FROM search_docs")[0][0]
    rows = query(url, "SELECT count(*) FROM search_postings")[0][0]
    return docs, rows


async def test_an_ingest_indexes_only_with_the_hook_it_is_given(sessions, database_url) -> None:
    async with sessions.begin() as session:
        await ingest_module.ingest(session, [record()])
    assert index_rows(database_url) == (0, 0)
    async with sessions.begin() as session:
        await ingest(session, [record(2)])
    assert index_rows(database_url)[0] == 1


def changes(db_backend: str) -> text:
    """The rows this transaction changed, so far."""
    if db_backend == "postgresql":
        return text(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables"
        )
    return text("SELECT total_changes()")


async def test_a_paper_is_searchable_in_the_transaction_that_stores_it(sessions) -> None:
    async with sessions.begin() as session:
        await ingest(session, [record()])
        assert await ids(session, "zebrafish") == ["2501.00001"]
    async with sessions() as session:
        assert await ids(session, "holographic") == ["2501.00001"]


async def test_a_failed_ingest_leaves_the_index_as_it_was(sessions, database_url) -> None:
    try:
        async with sessions.begin() as session:
            await ingest(session, [record()])
            raise RuntimeError("the import fails after the batch")
    except RuntimeError:
        pass
    assert index_rows(database_url) == (0, 0)
    async with sessions() as session:
        assert await ids(session, "zebrafish") == []


async def test_a_new_version_replaces_the_indexed_text(sessions, database_url) -> None:
    async with sessions.begin() as session:
        await ingest(session, [record()])
    async with sessions.begin() as session:
        await ingest(session, [record(2, title="Holographic axolotls", abstract="Axolotls.")])
    async with sessions() as session:
        assert await ids(session, "zebrafish") == []
        assert await ids(session, "axolotls") == ["2501.00001"]
        assert (await check_index(session)).ok
    assert index_rows(database_url)[0] == 1


async def test_an_unchanged_paper_is_not_reindexed(sessions, database_url, db_backend) -> None:
    async with sessions.begin() as session:
        await ingest(session, [record()])
    before = query(database_url, "SELECT docid FROM search_docs")
    async with sessions.begin() as session:
        total_changes = changes(db_backend)
        before_changes = (await session.execute(total_changes)).scalar_one()
        await index_papers(session, ["2501.00001"])
        assert (await session.execute(total_changes)).scalar_one() == before_changes
    after = query(database_url, "SELECT docid FROM search_docs")
    assert before == after


async def test_hidden_and_deleted_papers_leave_the_index(sessions, database_url) -> None:
    async with sessions.begin() as session:
        await ingest(session, [record()])
        await session.execute(update(Paper).values(hidden=True))
        await index_papers(session, ["2501.00001"])
        assert await ids(session, "zebrafish") == []
    assert index_rows(database_url)[0] == 0
    async with sessions.begin() as session:
        await session.execute(update(Paper).values(hidden=False))
        await index_papers(session, ["2501.00001"])
        assert await ids(session, "zebrafish") == ["2501.00001"]
        await session.execute(text("DELETE FROM papers"))
        await index_papers(session, ["2501.00001"])
    assert index_rows(database_url)[0] == 0


async def test_rebuild_indexes_what_was_stored_without_the_hook(sample_sessions) -> None:
    async with sample_sessions.begin() as session:
        expected = await ids(session, "quantum")
        for table in ("search_docs", "search_postings", "search_segments"):
            await session.execute(text(f"DELETE FROM {table}"))
        assert await ids(session, "quantum") == []
        report = await check_index(session)
    assert not report.ok and report.unindexed == report.papers > 0
    done: list[int] = []
    result = await rebuild_index(sample_sessions, batch_size=64, progress=done.append)
    assert result.papers == sum(done) == report.papers
    assert max(done) == 64
    async with sample_sessions() as session:
        assert await ids(session, "quantum") == expected
        check = await check_index(session, sample=None)
    assert check.ok and check.compared == check.indexed == check.papers


async def test_check_finds_stale_and_orphaned_rows(sample_sessions) -> None:
    async with sample_sessions.begin() as session:
        paper_id = (await session.execute(text("SELECT id FROM papers LIMIT 1"))).scalar_one()
        await session.execute(
            text("UPDATE papers SET title = 'Something else entirely' WHERE id = :id"),
            {"id": paper_id},
        )
        vocabulary = Vocabulary()
        gone = analyze(Analyzer(), vocabulary, PaperText("x", "Gone", "", ()))
        await write_papers(session, [gone], vocabulary)
    async with sample_sessions() as session:
        report = await check_index(session, sample=None)
    assert not report.ok
    assert report.stale == [paper_id]
    assert report.orphans == ["x"]
    assert report.integrity is None
    result = await rebuild_index(sample_sessions)
    assert result.removed == 1
    async with sample_sessions() as session:
        assert (await check_index(session, sample=None)).ok


def test_search_never_fails_on_any_text(sample_settings) -> None:
    with asyncio.Runner() as runner:
        engine = create_engine(settings=sample_settings)
        sessions = session_factory(engine)

        async def run(query: str) -> None:
            async with sessions() as session:
                page = await search_papers(session, query, limit=5)
            assert page.total >= len(page.hits)
            for hit in page.hits:
                for start, end in [*hit.title_spans, *hit.abstract_spans]:
                    assert 0 <= start < end

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            st.one_of(
                st.text(max_size=200),
                st.lists(
                    st.sampled_from(['"', "-", "OR", "ti:", "cat:", "from:", "quantum", "Ü", "*"])
                ).map(" ".join),
            )
        )
        def check(query: str) -> None:
            runner.run(run(query))

        try:
            check()
            runner.run(run("x" * 10_000 + " junk" * 2000))
        finally:
            runner.run(engine.dispose())


async def test_a_rebuild_batch_does_not_write_over_a_newer_ingest(sessions) -> None:
    from search.documents import paper_texts
    from search.indexing import _build, _write_segment, shared_analyzer

    async with sessions.begin() as session:
        await ingest(session, [record()])
    async with sessions() as session:  # the rebuild reads the paper...
        batch = _build(shared_analyzer(), await paper_texts(session, ["2501.00001"]))
    async with sessions.begin() as session:  # ...an ingest replaces it...
        await ingest(session, [record(2, title="Holographic axolotls", abstract="Axolotls.")])
    await _write_segment(sessions, batch, None)  # ...then the rebuild writes it
    async with sessions() as session:
        assert await ids(session, "axolotls") == ["2501.00001"]
        assert await ids(session, "zebrafish") == []
        assert (await check_index(session, sample=None)).ok


async def test_segments_merge_in_tiers_and_drop_papers_gone(sessions, database_url) -> None:
    from search.storage import MERGE_FACTOR, merge_all

    for n in range(MERGE_FACTOR + 1):
        async with sessions.begin() as session:
            paper = record(title=f"Holographic zebrafish number{n}")
            await ingest(session, [replace(paper, arxiv_id=f"2501.{n:05d}")])

    def segments() -> list[tuple[int, int, int]]:
        return query(
            database_url,
            "SELECT first_docid, last_docid, docs FROM search_segments ORDER BY first_docid",
        )

    # The first MERGE_FACTOR one-paper segments became one; the last is on its own.
    assert [docs for *_, docs in segments()] == [MERGE_FACTOR, 1]
    async with sessions.begin() as session:  # a new version: the paper gets a new docid
        await ingest(session, [record(2, title="Holographic axolotls", abstract="Axolotls.")])
    async with sessions.begin() as session:
        assert await merge_all(session)
    assert [docs for *_, docs in segments()] == [MERGE_FACTOR + 1]
    async with sessions() as session:
        found = await search_papers(session, "holographic", limit=50)
        assert found.total == MERGE_FACTOR + 1
        assert await ids(session, "axolotls") == ["2501.00001"]
        assert await ids(session, '"number1"') == []
        assert await ids(session, '"number2"') == ["2501.00002"]
        assert (await check_index(session, sample=None)).ok
    df = query(database_url, "SELECT df FROM search_postings WHERE term = 'zebrafish'")
    assert df == [(MERGE_FACTOR,)]  # the old version of 2501.00001 is gone


def postings_by_paper(url: str) -> dict[str, list[tuple[str, list[int], bytes]]]:
    """Each term's papers as the index holds them, whatever their docids and segments:
    ``term -> [(paper id, frequencies, positions), ...]`` in paper id order."""
    from search import _kernel

    papers = dict(query(url, "SELECT docid, paper_id FROM search_docs"))
    rows = query(
        url,
        "SELECT p.term, p.df, p.docs, p.positions, s.first_docid FROM search_postings p "
        "JOIN search_segments s ON s.segment = p.segment ORDER BY p.term, s.first_docid",
    )
    found: dict[str, list[tuple[str, list[int], bytes]]] = {}
    for term, df, docs, positions, first in rows:
        docids, tf = _kernel.decode(bytes(docs), df, first)
        starts, ends = _kernel.position_offsets(bytes(positions), df)
        for k, docid in enumerate(docids.tolist()):
            if docid in papers:
                found.setdefault(term, []).append(
                    (papers[docid], tf[k].tolist(), bytes(positions)[starts[k] : ends[k]])
                )
    return {term: sorted(listed) for term, listed in found.items()}


@pytest.mark.parametrize("terms_per_read", [None, 3])  # merges in one range, or in many
async def test_ingests_and_their_merges_hold_the_lists_a_rebuild_writes(
    sessions, database_url, monkeypatch, terms_per_read
) -> None:
    from search import storage
    from search.storage import MERGE_FACTOR

    if terms_per_read:
        monkeypatch.setattr(storage, "MERGE_TERMS_PER_READ", terms_per_read)

    words = ["zebrafish", "axolotls", "stripes", "counting", "holographic", "networks"]
    for n in range(MERGE_FACTOR + 2):  # one merge, then two segments of their own
        async with sessions.begin() as session:
            papers = [
                replace(
                    record(title=f"{words[n % 6]} {words[(n + k) % 6]} number{n}"),
                    arxiv_id=f"2501.{2 * n + k:05d}",
                    abstract=f"We study {words[(n * k + 2) % 6]} and {words[n % 6]} again.",
                )
                for k in range(2)
            ]
            await ingest(session, papers)
    async with sessions.begin() as session:  # a paper changes: its old lists are gone
        await ingest(session, [replace(papers[0], version=2, title="Axolotls alone")])
    segments = query(database_url, "SELECT docs FROM search_segments ORDER BY first_docid")
    assert segments == [(2 * MERGE_FACTOR,), (2,), (2,), (1,)]  # the first ones merged
    incremental = postings_by_paper(database_url)
    async with sessions.begin() as session:  # the same papers indexed anew, in one go
        for table in ("search_postings", "search_segments", "search_docs", "search_deleted"):
            await session.execute(text(f"DELETE FROM {table}"))
    await rebuild_index(sessions, batch_size=3)
    rebuilt = postings_by_paper(database_url)
    assert incremental == rebuilt
    # In the title (at index 1) and among its stems.
    assert incremental["alone"] == [(papers[0].arxiv_id, [1, 0, 0, 1, 0, 0], bytes([1]))]


async def test_a_large_rebuild_builds_segments_in_worker_processes(
    sample_sessions, monkeypatch
) -> None:
    async with sample_sessions.begin() as session:
        expected = {q: await ids(session, q) for q in ("quantum", '"neural network"', "graph")}
        for table in ("search_docs", "search_postings", "search_segments"):
            await session.execute(text(f"DELETE FROM {table}"))
    monkeypatch.setattr("search.indexing.POOL_MIN_PAPERS", 1)
    report = await rebuild_index(sample_sessions, batch_size=50, segment_size=100)
    assert report.merge_steps == 1
    async with sample_sessions() as session:
        assert {q: await ids(session, q) for q in expected} == expected
        check = await check_index(session, sample=None)
    assert check.ok and check.indexed == check.papers == report.papers


async def test_a_paper_analyzed_ahead_is_indexed_as_the_database_holds_it(sessions) -> None:
    from crawler.ingest import IngestHooks
    from search import foresee_papers

    # Analyzed ahead with a text that is not the one stored (another import meanwhile, a
    # failed batch): the index holds the stored text.
    for _ in foresee_papers([record(title="Holographic axolotls")]):
        pass
    async with sessions.begin() as session:
        await ingest_module.ingest(
            session, [record()], hooks=IngestHooks(papers_changed=index_papers)
        )
    async with sessions() as session:
        assert await ids(session, "axolotls") == []
        assert await ids(session, "zebrafish") == ["2501.00001"]
        assert (await check_index(session, sample=None)).ok


@pytest.mark.postgresql_only
async def test_an_ingest_indexes_what_it_analyzed_while_writing(sessions, monkeypatch) -> None:
    import search.indexing
    import search.storage

    analyzed, built = [], []
    analyze_paper, build = search.indexing.analyze, search.storage.build_segment
    monkeypatch.setattr(
        search.indexing, "analyze", lambda *a: analyzed.append(a[2].id) or analyze_paper(*a)
    )
    monkeypatch.setattr(search.storage, "build_segment", lambda *a: built.append(1) or build(*a))
    papers = [
        replace(record(), arxiv_id=f"2501.0000{n}", title=f"Zebrafish {n}") for n in (3, 1, 2)
    ]
    async with sessions.begin() as session:
        await ingest(session, papers)
    assert sorted(analyzed) == ["2501.00001", "2501.00002", "2501.00003"]  # once each
    assert built == []  # the segment built while writing is the one written
    async with sessions() as session:
        assert sorted(await ids(session, "zebrafish")) == ["2501.00001", "2501.00002", "2501.00003"]
        assert (await check_index(session, sample=None)).ok


@pytest.mark.postgresql_only
async def test_an_import_of_several_files_builds_one_segment_per_transaction(
    sessions, monkeypatch
) -> None:
    import search.indexing
    import search.storage
    from crawler.sample import sample_files
    from tests.indexed import import_files

    analyzed, built = [], []
    analyze_paper = search.indexing.analyze
    monkeypatch.setattr(
        search.indexing, "analyze", lambda *a: analyzed.append(a[2].id) or analyze_paper(*a)
    )
    for module in (search.indexing, search.storage):
        build = module.build_segment
        monkeypatch.setattr(module, "build_segment", lambda *a, b=build: built.append(1) or b(*a))
    written: list[int] = []
    result = await import_files(sessions, sample_files(), committed=written.append)
    assert len(written) == 1  # the sample's files fit in one transaction
    assert len(built) == 1  # its segment, none ahead for each file
    assert len(analyzed) == len(set(analyzed)) == result.counts.new  # each paper once
    async with sessions() as session:
        assert (await check_index(session, sample=None)).ok

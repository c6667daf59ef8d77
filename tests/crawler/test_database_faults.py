"""A crawl's page meets a PostgreSQL that turns it away for now: a serialization failure, and
every connection cut in the middle of the page (as a restart does). The page is tried again
and lands once: nothing duplicated, nothing lost."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from crawler.ingest import ingest
from crawler.runs import RunRecorder, start_run
from models.schema import CrawlRun
from retry import is_transient_database_error
from tests.crawler.test_ingest import record
from tests.pg import databases

pytestmark = pytest.mark.postgresql_only

RAISE = "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '{}'; END $$"


async def recorder(sessions) -> RunRecorder:
    run_id = await start_run(sessions, "test", {})
    async with sessions() as session:
        run = await session.get(CrawlRun, run_id)
    return RunRecorder(sessions, run)


async def test_a_serialization_failure_is_told_from_other_errors(sessions):
    found = {}
    for state in ("40001", "40P01", "23505"):
        async with sessions() as session:
            with pytest.raises(DBAPIError) as raised:
                await session.execute(text(RAISE.format(state)))
        found[state] = is_transient_database_error(raised.value)
    assert found == {"40001": True, "40P01": True, "23505": False}


async def test_a_page_that_met_a_serialization_failure_is_retried_and_lands_once(sessions):
    run = await recorder(sessions)
    tries = []

    async def write(session):
        counts = await ingest(session, [record(1)], crawl_run_id=run.run_id)
        tries.append(1)
        if len(tries) == 1:
            await session.execute(text(RAISE.format("40001")))
        return counts

    page = await run.commit_with(write, checkpoint="page-1")
    assert len(tries) == 2
    assert (page.new, run.counts.new, run.checkpoint) == (1, 1, "page-1")
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    assert databases.query(url, "select count(*) from papers") == [(1,)]
    assert databases.query(url, "select n_new, checkpoint from crawl_runs") == [(1, "page-1")]


async def test_a_page_whose_connection_was_cut_mid_write_is_retried_and_lands_once(
    sessions, database_url
):
    run = await recorder(sessions)
    tries = []

    async def write(session):
        counts = await ingest(session, [record(2, arxiv_id=f"2401.0000{i}") for i in range(5)])
        tries.append(1)
        if len(tries) == 1:
            assert databases.disconnect(database_url) >= 1  # as a restart would
        return counts

    page = await run.commit_with(write, checkpoint="page-1")
    assert len(tries) == 2
    assert (page.new, run.counts.new) == (5, 5)
    assert databases.query(database_url, "select count(*) from papers") == [(5,)]
    assert databases.query(database_url, "select count(*) from paper_authors") == [(10,)]
    assert databases.query(database_url, "select n_new from crawl_runs") == [(5,)]


@pytest.mark.serial
async def test_a_page_written_while_postgresql_restarts_is_retried_and_lands_once(
    sessions, database_url
):
    run = await recorder(sessions)
    tries = []
    started = "select pg_postmaster_start_time()"
    before = databases.query(database_url, started)

    async def write(session):
        counts = await ingest(session, [record(2, arxiv_id=f"2401.0010{i}") for i in range(5)])
        tries.append(1)
        if len(tries) == 1:
            databases.restart()  # the page's transaction is gone with the server
        return counts

    page = await run.commit_with(write, checkpoint="page-1")
    assert databases.query(database_url, started) != before  # it did restart
    assert len(tries) == 2
    assert (page.new, run.counts.new, run.checkpoint) == (5, 5, "page-1")
    assert databases.query(database_url, "select count(*) from papers") == [(5,)]
    assert databases.query(database_url, "select count(*) from paper_versions") == [(10,)]
    assert databases.query(database_url, "select n_new, checkpoint from crawl_runs") == [
        (5, "page-1")
    ]


async def test_a_page_cut_off_while_its_papers_are_analyzed_is_retried_and_indexed_once(
    sessions, database_url
):
    import search
    from crawler.ingest import IngestHooks

    run = await recorder(sessions)
    tries = []

    def cut_then_foresee(records, *, whole=True):
        if len(tries) == 1:  # the first try's connection dies while the batch is written
            assert databases.disconnect(database_url) >= 1
        yield from search.foresee_papers(records, whole=whole)

    hooks = IngestHooks(papers_changed=search.index_papers, papers_coming=cut_then_foresee)

    async def write(session):
        tries.append(1)
        papers = [record(2, arxiv_id=f"2401.0020{i}") for i in range(5)]
        return await ingest(session, papers, hooks=hooks)

    page = await run.commit_with(write, checkpoint="page-1")
    assert len(tries) == 2
    assert (page.new, run.counts.new) == (5, 5)
    assert databases.query(database_url, "select count(*) from papers") == [(5,)]
    assert databases.query(database_url, "select count(*) from search_docs") == [(5,)]
    async with sessions() as session:
        assert (await search.check_index(session, sample=None)).ok


async def test_an_import_cut_off_amid_a_transactions_files_lands_each_file_once(
    sessions, database_url, monkeypatch
):
    """The import's transaction takes its files as they are parsed; its connection cut while
    the third file is written, it is tried again with the files it had, then the rest."""
    import crawler.imports
    from crawler.imports import import_files, read_file
    from crawler.parse import parse_document
    from crawler.sample import sample_files

    written: list[int] = []
    real_ingest = crawler.imports.ingest

    async def ingest_then_cut(session, papers, **kwargs):
        counts = await real_ingest(session, papers, **kwargs)
        written.append(len(papers))
        if len(written) == 3:
            assert databases.disconnect(database_url) >= 1
        return counts

    monkeypatch.setattr(crawler.imports, "ingest", ingest_then_cut)
    files = sample_files()
    sizes = [len(parse_document(read_file(p)).papers) for p in files]
    result = await import_files(sessions, files, batch_papers=10_000)
    assert written == sizes[:3] + sizes
    assert [f.counts.new for f in result.files] == sizes
    assert databases.query(database_url, "select count(*) from papers") == [(sum(sizes),)]
    assert databases.query(database_url, "select n_new from crawl_runs") == [(sum(sizes),)]

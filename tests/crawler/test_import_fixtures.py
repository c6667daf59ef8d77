"""Every recorded response imports; importing twice changes nothing; bad files write nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from crawler.imports import ImportFailed, import_files, read_file
from crawler.parse import parse_document
from crawler.sample import sample_files
from models.queries import get_paper

ARXIV = Path(__file__).parent.parent / "fixtures" / "arxiv"
RECORDED = sorted(p for p in ARXIV.rglob("*") if p.suffix in {".xml", ".jsonl"})


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        names = [
            r[0]
            for r in connection.execute(
                "select name from sqlite_master where type='table' and name not like 'sqlite_%'"
                " and name not like '%fts%' and name != 'crawl_runs'"
            )
        ]
        return {n: connection.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


async def stored_ids(sessions) -> set[str]:
    async with sessions() as session:
        return set((await session.execute(text("select id from papers"))).scalars())


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_every_recorded_response_imports_and_reimports_unchanged(
    sessions, database_path, path
):
    first = await import_files(sessions, [path])
    before = table_counts(database_path)
    second = await import_files(sessions, [path])
    assert second.counts.new == second.counts.updated == 0
    assert second.counts.unchanged == first.counts.papers
    assert table_counts(database_path) == before


async def test_the_sample_holds_a_few_hundred_real_papers(sessions):
    result = await import_files(sessions, sample_files())
    assert 250 <= result.counts.new <= 600
    async with sessions() as session:
        old_style = await get_paper(session, "quant-ph/0201082")
        assert old_style is not None
        assert [c.category for c in old_style.categories] == ["quant-ph", "cs.PL"]


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.9])
async def test_a_truncated_file_is_rejected_and_nothing_is_written(
    sessions, database_path, tmp_path, cut
):
    source = (ARXIV / "oai" / "arxivsync_436115-5001.trimmed.xml").read_bytes()
    truncated = tmp_path / "page.xml"
    truncated.write_bytes(source[: int(len(source) * cut)])
    before = table_counts(database_path)
    with pytest.raises(ImportFailed, match=r"page\.xml"):
        await import_files(sessions, [truncated])
    assert table_counts(database_path) == before


async def test_a_bad_file_after_good_ones_keeps_the_good_ones(sessions, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><item>")
    good = ARXIV / "rss" / "laya-reader_arxiv_rss.xml"
    with pytest.raises(ImportFailed):
        await import_files(sessions, [good, bad])
    async with sessions() as session:
        assert await get_paper(session, "2609.26811") is not None


async def test_files_are_written_together_each_whole_and_indexed_once_per_transaction(sessions):
    from search.storage import segments
    from tests.indexed import import_files as import_indexed

    files = sample_files()
    sizes = [len(parse_document(read_file(p)).papers) for p in files]  # 100, 3, 3, 100, ...
    written: list[int] = []
    result = await import_indexed(sessions, files, batch_papers=110, committed=written.append)
    # consecutive files share a transaction while they fit in 110 papers; none is split
    expected, held = [], 0
    for size in sizes:
        if held and held + size > 110:
            expected.append(held)
            held = 0
        held += size
    expected.append(held)
    assert written == expected and len(written) < len(files)
    assert [f.path for f in result.files] == files
    assert sum(f.counts.papers for f in result.files) == result.counts.papers == sum(sizes)
    assert result.counts.new == len(await stored_ids(sessions))
    async with sessions() as session:
        assert len(await segments(session)) <= len(written)  # one segment per transaction
    again = await import_indexed(sessions, files, batch_papers=110)
    assert [f.counts.unchanged for f in again.files] == [f.counts.papers for f in result.files]


async def test_a_transaction_of_several_files_tried_again_counts_each_file_once(
    sessions, database_path
):
    from crawler.ingest import IngestHooks

    failures = [sqlite3.OperationalError("database is locked")]
    told: list[list[str]] = []

    async def changed(session, paper_ids):
        if failures:
            raise failures.pop()
        told.append(paper_ids)

    files = sample_files()
    result = await import_files(
        sessions, files, hooks=IngestHooks(papers_changed=changed), batch_papers=10_000
    )
    assert not failures  # the first try failed, the transaction was tried again
    assert len(told) == 1 and len(told[0]) == len(set(told[0])) == result.counts.new
    assert [f.counts.new for f in result.files] == [
        len(parse_document(read_file(p)).papers) for p in files
    ]
    assert result.counts.new == table_counts(database_path)["papers"]


async def test_a_bad_file_among_a_transactions_files_keeps_the_files_before_it(sessions, tmp_path):
    first, second, *_, last = sample_files()
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><item>")
    with pytest.raises(ImportFailed, match=r"bad\.xml"):
        await import_files(sessions, [first, second, bad, last], batch_papers=10_000)
    before_bad = {r.arxiv_id for p in (first, second) for r in parse_document(read_file(p)).papers}
    after_bad = {r.arxiv_id for r in parse_document(read_file(last)).papers} - before_bad
    stored = await stored_ids(sessions)
    assert stored == before_bad and after_bad


async def test_a_transaction_tried_again_amid_its_files_takes_each_file_once(
    sessions, db_backend, monkeypatch
):
    import crawler.imports

    ingested: list[int] = []
    failures = [1]

    async def ingest(session, papers, **kwargs):
        ingested.append(len(papers))
        if len(ingested) == 3 and failures:
            failures.pop()
            if db_backend == "sqlite":
                raise sqlite3.OperationalError("database is locked")
            await session.execute(text(SERIALIZATION_FAILURE))
        return await real_ingest(session, papers, **kwargs)

    real_ingest = crawler.imports.ingest
    monkeypatch.setattr(crawler.imports, "ingest", ingest)
    files = sample_files()
    sizes = [len(parse_document(read_file(p)).papers) for p in files]
    result = await import_files(sessions, files, batch_papers=10_000)
    assert not failures  # the third file failed once, the transaction started over
    assert ingested == sizes[:3] + sizes
    assert [f.counts.new for f in result.files] == sizes
    assert [f.path for f in result.files] == files
    assert result.counts.new == len(await stored_ids(sessions)) == sum(sizes)


SERIALIZATION_FAILURE = "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$"


async def test_a_file_is_written_while_the_next_one_is_parsed(sessions, monkeypatch):
    """A transaction takes each file as soon as it is parsed: the first file's papers are
    being written before the second file's parsing ends."""
    import threading

    import crawler.imports

    writing = threading.Event()
    seen_writing: list[bool] = []
    parsed: list[Path] = []
    parsed_at_first_write: list[int] = []
    real_parse, real_ingest = crawler.imports._parse, crawler.imports.ingest
    files = sample_files()[:3]

    def parse(path):
        if path == files[1]:
            seen_writing.append(writing.wait(timeout=10))
        document = real_parse(path)
        parsed.append(path)
        return document

    async def ingest(session, papers, **kwargs):
        if not writing.is_set():
            parsed_at_first_write.append(len(parsed))
            writing.set()
        return await real_ingest(session, papers, **kwargs)

    monkeypatch.setattr(crawler.imports, "_parse", parse)
    monkeypatch.setattr(crawler.imports, "ingest", ingest)
    commits: list[int] = []
    result = await import_files(sessions, files, batch_papers=10_000, committed=commits.append)
    assert seen_writing == [True] and parsed_at_first_write == [1]
    assert commits == [sum(f.counts.papers for f in result.files)]  # one transaction
    assert [f.path for f in result.files] == files


async def test_a_transaction_does_not_wait_for_a_large_file_to_be_parsed(sessions, monkeypatch):
    """A file larger than ``WAITED_BYTES`` is parsed after the transaction before it commits,
    for a transaction of its own (here every file is "large")."""
    import crawler.imports

    monkeypatch.setattr(crawler.imports, "WAITED_BYTES", 0)
    files = sample_files()
    sizes = [len(parse_document(read_file(p)).papers) for p in files]
    commits: list[int] = []
    result = await import_files(sessions, files, batch_papers=10_000, committed=commits.append)
    assert commits == sizes
    assert [f.path for f in result.files] == files
    assert result.counts.new == len(await stored_ids(sessions)) == sum(sizes)

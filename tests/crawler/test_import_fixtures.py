"""Every recorded response imports; importing twice changes nothing; bad files write nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

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


async def test_files_are_written_together_each_whole_and_indexed_once_per_transaction(
    sessions, database_path
):
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
    assert result.counts.new == table_counts(database_path)["papers"]
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

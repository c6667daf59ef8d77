"""Every recorded response imports; importing twice changes nothing; bad files write nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.imports import ImportFailed, import_files
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

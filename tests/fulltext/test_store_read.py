"""A full-text row read for a page (``store.read``) is what ``store.load`` gives."""

from __future__ import annotations

from crawler.ingest import ingest
from crawler.records import PaperRecord
from fulltext import store
from fulltext.document import CodeLink, FullText, FullTextStatus, Reference, Section


async def test_read_gives_what_load_gives(sessions):
    document = FullText(
        "html",
        sections=(Section("S1", "1", "Introduction", "We study $x^2$.", 1),),
        references=(Reference("A. Author. A paper.", "2301.00001"),),
        figures=2,
    )
    links = (CodeLink("https://github.com/a/b", "github.com", True),)
    async with sessions.begin() as session:
        await ingest(
            session,
            [PaperRecord(arxiv_id=i, version=2, title=i) for i in ("2401.00001", "2401.00002")],
        )
        await store.save(
            session,
            "2401.00001",
            2,
            FullTextStatus.OK,
            source="html",
            document=document,
            code_links=links,
        )
        await store.save(session, "2401.00002", 2, FullTextStatus.FAILED, reason="404 from arXiv")
    async with sessions() as session:
        for paper_id, version in [("2401.00001", 2), ("2401.00002", 2), ("2401.00001", 1)]:
            loaded = await store.load(session, paper_id, version)
            read = await store.read(session, paper_id, version)
            assert read == loaded, (paper_id, version)
    assert read is None
    async with sessions() as session:
        found = await store.read(session, "2401.00001", 2)
    assert found is not None and found.document == document and found.code_links == links

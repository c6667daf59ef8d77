"""Fetching full texts from the fake arXiv: the HTML page, else the PDF; faults end as a
status on the row, and later runs retry what may pass."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from crawler.fetch.client import ArxivClient
from fulltext import store
from fulltext.document import FullTextStatus
from fulltext.fetch import FetchConfig
from fulltext.service import UnknownPaper, ensure, fetch_and_store, fetch_day
from models.schema import Announcement, AnnounceType, Category
from retry import FakeClock
from tests.fakearxiv import FakeArxiv, Serve, Status, Truncate
from tests.fulltext.conftest import ATTENTION, DELEGATE, LIE, PASA, add_paper

PAGE_NOT_LATEXML = b"<html><head><title>Just a moment...</title></head><body>x</body></html>"
NO_HTML_NOTICE = (
    b"<html><head><title>No HTML</title></head><body><h1>No HTML for '2501.10120v1'</h1>"
    b"<p>HTML is not available for the source. This could be due to a conversion failure."
    b"</p></body></html>"
)


@pytest.fixture
def arxiv():
    with FakeArxiv() as server:
        yield server


def client_for(**options) -> ArxivClient:
    clock = FakeClock()
    options.setdefault("timeout", 5.0)
    return ArxivClient(
        user_agent="coolpapers-test (mailto:ops@example.org)",
        interval=0.0,
        clock=clock,
        sleep=clock.asleep,
        **options,
    )


def config_for(arxiv: FakeArxiv) -> FetchConfig:
    return FetchConfig(html_base=arxiv.url + "/html", pdf_base=arxiv.url + "/pdf")


async def fetch(sessions, arxiv, paper_id, version, **options):
    async with client_for(**options) as client:
        return await fetch_and_store(sessions, client, config_for(arxiv), paper_id, version)


async def test_the_html_page_when_there_is_one(sessions, arxiv):
    await add_paper(sessions, DELEGATE)
    stored = await fetch(sessions, arxiv, DELEGATE, 1)
    assert (stored.status, stored.source, stored.reason) == (FullTextStatus.OK, "html", None)
    assert [r.path for r in arxiv.seen()] == [f"/html/{DELEGATE}v1"]
    assert "coolpapers-test" in arxiv.seen()[0].headers["user-agent"]
    async with sessions() as session:
        loaded = await store.load(session, DELEGATE, 1)
    assert loaded.document.section("S1").title == "Introduction"
    assert loaded.code_links[0].url == "https://github.com/microsoft/DELEGATE52"


async def test_the_pdf_when_the_html_is_missing_or_a_notice(sessions, arxiv):
    await add_paper(sessions, PASA)
    await add_paper(
        sessions, ATTENTION, 7, comment="Code: https://github.com/tensorflow/tensor2tensor."
    )
    arxiv.html_pages[f"{PASA}v1"] = NO_HTML_NOTICE
    stored = await fetch(sessions, arxiv, PASA, 1)
    assert (stored.status, stored.source) == (FullTextStatus.OK, "pdf")
    assert [r.path for r in arxiv.seen()] == [f"/html/{PASA}v1", f"/pdf/{PASA}v1"]
    stored = await fetch(sessions, arxiv, ATTENTION, 7)  # 404 on /html
    assert (stored.status, stored.source) == (FullTextStatus.OK, "pdf")
    assert stored.code_links[0].url == "https://github.com/tensorflow/tensor2tensor"
    assert stored.code_links[0].own


async def test_neither_html_nor_pdf_is_status_none(sessions, arxiv):
    await add_paper(sessions, "2401.00001")
    stored = await fetch(sessions, arxiv, "2401.00001", 1)
    assert stored.status == FullTextStatus.NONE
    assert "HTTP 404" in stored.reason


async def test_a_page_that_is_not_latexml_fails_with_that_reason(sessions, arxiv):
    await add_paper(sessions, DELEGATE)
    arxiv.html_pages[f"{DELEGATE}v1"] = PAGE_NOT_LATEXML
    stored = await fetch(sessions, arxiv, DELEGATE, 1)
    assert stored.status == FullTextStatus.FAILED
    assert "not a LaTeXML rendering" in stored.reason and "Just a moment" in stored.reason


@pytest.mark.parametrize("kind", ["encrypted", "scanned", "corrupt"])
async def test_bad_pdfs_fail_with_their_reason(sessions, arxiv, pdf_bytes, kind):
    await add_paper(sessions, "2401.00002")
    arxiv.pdfs["2401.00002v1"] = pdf_bytes[kind]
    stored = await fetch(sessions, arxiv, "2401.00002", 1)
    assert (stored.status, stored.source) == (FullTextStatus.FAILED, "pdf")
    expected = {"encrypted": "encrypted", "scanned": "no text layer", "corrupt": "corrupt"}[kind]
    assert expected in stored.reason


async def test_larger_than_the_cap_is_too_large_and_nothing_is_stored(sessions, arxiv):
    await add_paper(sessions, ATTENTION, 7)
    stored = await fetch(sessions, arxiv, ATTENTION, 7, max_bytes=1_000_000)  # 2.2 MB PDF
    assert (stored.status, stored.source) == (FullTextStatus.TOO_LARGE, "pdf")
    assert "larger than" in stored.reason
    async with sessions() as session:
        row = await store.load(session, ATTENTION, 7)
    assert row.document is None and row.status == FullTextStatus.TOO_LARGE


async def test_a_429_and_a_cut_body_are_retried(sessions, arxiv):
    await add_paper(sessions, DELEGATE)
    arxiv.inject(Status(429, retry_after=30), path="/html/")
    arxiv.inject(Truncate(0.3), path="/html/")
    stored = await fetch(sessions, arxiv, DELEGATE, 1)
    assert stored.status == FullTextStatus.OK
    assert [r.fault for r in arxiv.seen("/html/")] == ["Status", "Truncate", None]


async def test_what_keeps_failing_is_failed_and_retried_by_a_later_run(sessions, arxiv):
    await add_paper(sessions, DELEGATE)
    rule = arxiv.inject(Truncate(0.5), path="/html/", times=None)
    stored = await fetch(sessions, arxiv, DELEGATE, 1)
    assert stored.status == FullTextStatus.FAILED
    assert "gave up after" in stored.reason
    arxiv.rules.remove(rule)
    async with client_for() as client:
        again = await ensure(sessions, client, config_for(arxiv), DELEGATE, 1)
    assert again.status == FullTextStatus.OK and again.document is not None
    async with sessions() as session:
        from models.fulltext import PaperFullText

        assert (await session.get(PaperFullText, (DELEGATE, 1))).attempts == 2


async def test_ensure_fetches_once_for_concurrent_readers_and_respects_off(sessions, arxiv):
    await add_paper(sessions, LIE, 11)
    config = config_for(arxiv)
    async with client_for() as client:
        assert await ensure(sessions, client, config, LIE, mode="off") is None
        assert arxiv.seen() == []
        results = await asyncio.gather(*(ensure(sessions, client, config, LIE) for _ in range(4)))
        assert len(arxiv.seen()) == 1  # one fetch for four readers
        assert {r.status for r in results} == {FullTextStatus.OK}
        assert all(r.document is not None for r in results)
        assert (await ensure(sessions, client, config, LIE, mode="off")).status == "ok"
        await ensure(sessions, client, config, LIE)
    assert len(arxiv.seen()) == 1  # stored: not fetched again
    with pytest.raises(UnknownPaper):
        async with client_for() as client:
            await ensure(sessions, client, config, "2401.99999", 1)


async def test_fetch_day_takes_the_days_papers_of_the_categories(sessions, arxiv):
    day = dt.date(2026, 4, 17)
    await add_paper(sessions, DELEGATE)
    await add_paper(sessions, PASA)
    await add_paper(sessions, LIE, 11)
    async with sessions() as session:
        session.add_all([Category(code="cs.CL"), Category(code="math.AP")])
        await session.flush()
        for paper_id, category in [(DELEGATE, "cs.CL"), (PASA, "cs.CL"), (LIE, "math.AP")]:
            session.add(
                Announcement(
                    paper_id=paper_id,
                    category=category,
                    announced_on=day,
                    type=AnnounceType.NEW,
                    version=1,
                )
            )
        await session.commit()
    arxiv.inject(Serve(b"", status=500), path=f"/html/{PASA}", times=None)
    async with client_for() as client:
        result = await fetch_day(sessions, client, config_for(arxiv), ["cs.CL"], day)
        assert result.day == day
        assert result.counts() == {"ok": 1, "failed": 1}
        arxiv.clear_faults()
        again = await fetch_day(sessions, client, config_for(arxiv), ["cs.CL"])
    assert (again.already, again.counts()) == (1, {"ok": 1})
    assert not [r for r in arxiv.seen() if LIE in r.path]

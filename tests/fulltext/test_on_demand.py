"""Summaries fetch the full text they need: ``FULLTEXT=on-demand`` through the site's summary
service (the fake arXiv serving a recorded page, the fake model), a venue paper's from the PDF
its venue links, and the abstract when no full text can be had."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.ingest import ingest
from crawler.records import AuthorRecord, PaperRecord, VersionRecord
from fulltext import store
from fulltext.document import FullTextStatus
from fulltext.service import on_demand
from models.schema import VenuePaper
from summaries import SummaryService
from tests.fakearxiv import FakeArxiv
from tests.fulltext.conftest import recorded
from tests.summaries.fake_llm import FakeLLM
from web.summary_api import label

ROOT = Path(__file__).resolve().parents[2]
PAPER = "2604.15597"  # html/arxiv_html_2604.15597v1.html
ABSTRACT = "We delegate documents to language models and measure what they lose."


def record(arxiv_id: str = PAPER) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=1,
        title="Delegating documents",
        abstract=ABSTRACT,
        authors=(AuthorRecord("Ada Lovelace"),),
        primary_category="cs.CL",
        categories=("cs.CL",),
        published=dt.datetime(2026, 4, 17, tzinfo=dt.UTC),
        versions=(VersionRecord(1),),
    )


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture
def site_settings(settings, llm, arxiv):
    return settings.model_copy(
        update={
            "LLM_BASE_URL": llm.url,
            "LLM_MODEL": "fake-model",
            "LLM_TIMEOUT": 5.0,
            "LLM_DAILY_BUDGET": 1000,
            "ARXIV_HTML_BASE": arxiv.url + "/html",
            "ARXIV_PDF_BASE": arxiv.url + "/pdf",
            "MIN_REQUEST_INTERVAL": 0.0,
            "FULLTEXT": "on-demand",
        }
    )


async def summarize(settings, sessions, paper_id: str):
    async with sessions.begin() as session:
        await ingest(session, [record(paper_id)])
    service = SummaryService.from_settings(settings, sessions)
    try:
        job = await service.start(paper_id, "en")
        await job.wait()
    finally:
        await service.aclose()
    assert job.result is not None, job.error
    return job.result


async def test_the_model_is_asked_with_the_fetched_sections(
    site_settings, sessions, llm, arxiv
) -> None:
    result = await summarize(site_settings, sessions, PAPER)
    assert [r.path for r in arxiv.seen() if "/html/" in r.path] == [f"/html/{PAPER}v1"]
    text = llm.calls[0].messages[1]["content"]
    assert "\n§1 Introduction\n" in text and "Recent LLM progress" in text
    assert result.used_full_text
    assert "from the full text of v1" in label(result.as_dict())
    async with sessions() as session:
        stored = await store.load(session, PAPER, 1)
    assert stored is not None and stored.status == FullTextStatus.OK


async def test_a_fixture_page_served_for_another_paper_is_read(
    site_settings, sessions, llm, arxiv
) -> None:
    arxiv.html_pages["2403.00001v1"] = recorded("html/arxiv_html_2604.15597v1.html")
    result = await summarize(site_settings, sessions, "2403.00001")
    assert result.used_full_text and "Recent LLM progress" in llm.calls[0].messages[1]["content"]


VENUE_PAPER = "acl:2024.acl-long.1"


async def add_venue_paper(sessions, pdf_url: str | None) -> None:
    async with sessions.begin() as session:
        await ingest(session, [record(VENUE_PAPER)])
        session.add(
            VenuePaper(
                paper_id=VENUE_PAPER,
                source="acl",
                key="2024.acl-long.1",
                venue="ACL.2024",
                pdf_url=pdf_url,
                digest="0" * 64,
            )
        )


async def test_a_venue_papers_faq_is_made_from_the_pdf_its_venue_links(
    site_settings, sessions, llm, arxiv
) -> None:
    arxiv.pdfs["2024.acl-long.1.pdf"] = recorded("pdf/arxiv_2501.10120v1_pasa.pdf")
    await add_venue_paper(sessions, f"{arxiv.url}/pdf/2024.acl-long.1.pdf")
    result = await summarize(site_settings, sessions, VENUE_PAPER)
    assert [r.path for r in arxiv.seen()] == ["/pdf/2024.acl-long.1.pdf"]  # no arXiv page
    for call in llm.calls:
        text = call.messages[1]["content"]
        assert "\n§1 Introduction\n" in text and "\n§3.1 AutoScholarQuery\n" in text
        assert "Academic paper search lies at the core of research" in text
    assert result.used_full_text
    assert label(result.as_dict()) == "Answers by fake-model from the full text of the venue's PDF."
    async with sessions() as session:
        stored = await store.load(session, VENUE_PAPER, 1)
    assert stored is not None and (stored.status, stored.source) == (FullTextStatus.OK, "pdf")


async def test_a_venue_paper_whose_pdf_is_missing_is_summarized_from_its_abstract(
    site_settings, sessions, llm, arxiv
) -> None:
    await add_venue_paper(sessions, f"{arxiv.url}/pdf/gone.pdf")
    result = await summarize(site_settings, sessions, VENUE_PAPER)
    assert [r.path for r in arxiv.seen()] == ["/pdf/gone.pdf"]
    assert not result.used_full_text and "§1" not in llm.calls[0].messages[1]["content"]
    assert "from the title and abstract of v1" in label(result.as_dict())
    async with sessions() as session:
        stored = await store.load(session, VENUE_PAPER, 1)
    assert stored is not None and stored.status == FullTextStatus.NONE
    assert stored.reason == f"the venue has no PDF at {arxiv.url}/pdf/gone.pdf (HTTP 404)"


async def test_a_venue_paper_without_a_pdf_url_fetches_nothing(
    site_settings, sessions, llm, arxiv
) -> None:
    await add_venue_paper(sessions, None)
    result = await summarize(site_settings, sessions, VENUE_PAPER)
    assert arxiv.seen() == [] and not result.used_full_text
    async with sessions() as session:
        stored = await store.load(session, VENUE_PAPER, 1)
    assert stored is not None and stored.reason == "the venue links no PDF of this paper"


async def test_without_a_full_text_the_summary_is_made_from_the_abstract(
    site_settings, sessions, llm, arxiv
) -> None:
    result = await summarize(site_settings, sessions, "2403.00002")  # arXiv has neither
    assert {r.path for r in arxiv.seen()} == {"/html/2403.00002v1", "/pdf/2403.00002v1"}
    text = llm.calls[0].messages[1]["content"]
    assert ABSTRACT in text and "§1" not in text
    assert not result.used_full_text
    assert "from the title and abstract of v1" in label(result.as_dict())
    async with sessions() as session:
        stored = await store.load(session, "2403.00002", 1)
    assert stored is not None and stored.status == FullTextStatus.NONE


async def test_a_failing_arxiv_falls_back_to_the_abstract(
    site_settings, sessions, llm, arxiv
) -> None:
    arxiv.html_pages[f"{PAPER}v1"] = b"<html><body><p>Not a LaTeXML page.</p></body></html>"
    arxiv.pdfs[f"{PAPER}v1"] = b"%PDF-1.4 cut short"
    result = await summarize(site_settings, sessions, PAPER)
    assert not result.used_full_text and ABSTRACT in llm.calls[0].messages[1]["content"]
    async with sessions() as session:
        stored = await store.load(session, PAPER, 1)
    assert stored is not None and stored.status == FullTextStatus.FAILED


async def test_with_fulltext_off_nothing_is_fetched(site_settings, sessions, llm, arxiv) -> None:
    off = site_settings.model_copy(update={"FULLTEXT": "off"})
    result = await summarize(off, sessions, PAPER)
    assert arxiv.seen() == [] and not result.used_full_text


async def test_an_unexpected_error_reads_as_no_full_text(settings, sessions) -> None:
    broken = settings.model_copy(update={"ARXIV_HTML_BASE": "not a url at all"})
    async with sessions.begin() as session:
        await ingest(session, [record()])
    async with sessions() as session:
        assert await on_demand(sessions, broken)(session, PAPER, 1) is None


async def test_coolpapers_summarize_fetches_the_full_text(settings, sessions, llm, arxiv) -> None:
    async with sessions.begin() as session:
        await ingest(session, [record()])
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COOLPAPERS_DATABASE_URL": settings.DATABASE_URL,
        "COOLPAPERS_ARXIV_HTML_BASE": arxiv.url + "/html",
        "COOLPAPERS_ARXIV_PDF_BASE": arxiv.url + "/pdf",
        "COOLPAPERS_MIN_REQUEST_INTERVAL": "0",
        "COOLPAPERS_LLM_BASE_URL": llm.url,
        "COOLPAPERS_LLM_MODEL": "fake-model",
        "COOLPAPERS_LLM_DAILY_BUDGET": "1000",
        "COOLPAPERS_FULLTEXT": "on-demand",
    }
    cli = [sys.executable, "-c", "from cli.main import main; main()"]
    run = subprocess.run(
        [*cli, "summarize", "--lang", "en"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert [r.path for r in arxiv.seen()] == [f"/html/{PAPER}v1"]
    assert "Recent LLM progress" in llm.calls[0].messages[1]["content"]


@pytest.mark.parametrize(
    ("paper", "language", "expected"),
    [
        (VENUE_PAPER, "en", "from the full text of the venue's PDF by coolpapers"),
        (VENUE_PAPER, "zh", "从会议所给 PDF 全文中摘录"),
        (PAPER, "en", "from the full text of v2 by coolpapers"),
    ],
)
def test_the_extractive_label_names_where_the_full_text_came_from(
    paper: str, language: str, expected: str
) -> None:
    summary = {"paper": paper, "version": 2, "language": language, "kind": "extractive"}
    assert expected in label({**summary, "used_full_text": True})

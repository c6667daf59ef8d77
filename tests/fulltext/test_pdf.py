"""Extracting PDFs with pypdfium2: expectations written by reading the four recorded PDFs."""

from __future__ import annotations

import asyncio
import time

import pytest

from fulltext.code import find_code_links
from fulltext.pdf import PdfUnreadable, extract_pdf, extract_pdf_async, text_to_fulltext
from tests.fulltext.conftest import recorded


def read(name: str):
    return extract_pdf(recorded(f"pdf/{name}"))


def test_two_column_acl_paper_in_reading_order():
    pasa = read("arxiv_2501.10120v1_pasa.pdf")
    intro = pasa.section("S1")
    assert (intro.number, intro.title) == ("1", "Introduction")
    text = intro.text
    left = text.index("Academic paper search lies at the core of research")  # left column
    right = text.index("The advancements in large language models (LLMs)")  # right column
    assert left < right < text.index("In this paper, we introduce PaSa, a novel paper")
    # hyphenation undone, ligatures as letters
    assert "Consequently, researchers frequently spend substantial time conducting literature" in (
        text
    )
    assert "\ufffe" not in pasa.to_json() and "\ufb01" not in pasa.to_json()
    numbers = [s.number for s in pasa.sections]
    assert numbers[:6] == ["", "1", "2", "3", "3.1", "3.2"]
    assert numbers[-9:] == ["A", "A.1", "A.2", "B", "C", "D", "E", "E.1", "E.2"]
    assert pasa.section("A1.SS2").title == "Roll-Out in PPO training"
    assert pasa.abstract.startswith("We introduce PaSa, an advanced Paper Search agent")
    assert pasa.references[0].arxiv_id == "2402.01788"
    links = find_code_links(document=pasa)
    assert links[0].url == "https://github.com/bytedance/pasa" and links[0].own


def test_two_column_ieee_paper_with_roman_sections():
    semifa = read("arxiv_2604.13236v1_semifa.pdf")
    top = [(s.anchor, s.number, s.title) for s in semifa.sections if s.level == 1]
    assert top[1:4] == [
        ("S1", "I", "INTRODUCTION"),
        ("S2", "II", "RELATED WORK"),
        ("S3", "III", "SYSTEM ARCHITECTURE"),
    ]
    assert top[-1] == ("S7", "VII", "CONCLUSION")
    assert semifa.section("S2.SS1").title == "Wafer Defect Classification"
    intro = semifa.section("S1").text
    assert intro.index("This manual process presents three fundamental challenges.") < intro.index(
        "Recent advances in vision-language models (VLMs) such as LLaVA"
    )
    links = find_code_links(document=semifa)
    own = [link.url for link in links if link.own]
    assert "https://github.com/Shivamckaushik/SemiFA" in own
    assert ("https://github.com/langchain-ai/langgraph", False) in [(x.url, x.own) for x in links]


def test_single_column_paper_with_a_notice_before_its_title():
    attention = read("arxiv_1706.03762v7_attention.pdf")
    assert attention.sections[0].anchor == "S0"  # the notice, title, authors, abstract
    assert "Provided proper attribution is provided, Google hereby grants" in (
        attention.sections[0].text
    )
    assert attention.abstract.startswith("The dominant sequence transduction models are based")
    anchors = [s.anchor for s in attention.sections]
    assert anchors[1:4] == ["S1", "S2", "S3"] and "S3.SS2.SSS1" in anchors
    assert attention.section("S3.SS2.SSS1").title == "Scaled Dot-Product Attention"
    assert len(attention.references) == 40  # [1] ... [40]
    assert "1610.10099v2" in [r.arxiv_id for r in attention.references]
    assert "https://github.com/tensorflow/tensor2tensor" in attention.links


def test_short_acm_paper_with_wrapped_upper_case_headings():
    paper = read("arxiv_2304.02623v1.pdf")
    assert [(s.number, s.title) for s in paper.sections[1:]] == [
        ("1", "INTRODUCTION"),
        ("2", "CHARACTERIZING EXPOSITORY WRITING"),
        ("3", "DESIGNING AI SUPPORTS FOR EXPOSITORY WRITING"),
        ("4", "CONCLUSION"),
    ]
    assert find_code_links(document=paper) == ()


def test_text_without_headings_is_one_section():
    document = text_to_fulltext(["Some words of a note without any heading at all. " * 10])
    assert [(s.anchor, s.number) for s in document.sections] == [("S0", "")]


def test_bad_pdfs_say_why(pdf_bytes):
    with pytest.raises(PdfUnreadable, match="encrypted"):
        extract_pdf(pdf_bytes["encrypted"])
    with pytest.raises(PdfUnreadable, match="no text layer"):
        extract_pdf(pdf_bytes["scanned"])
    with pytest.raises(PdfUnreadable, match="corrupt"):
        extract_pdf(pdf_bytes["corrupt"])
    with pytest.raises(PdfUnreadable, match="not a PDF"):
        extract_pdf(b"<html>not a pdf</html>")


async def test_extraction_runs_beside_the_event_loop():
    content = recorded("pdf/arxiv_1706.03762v7_attention.pdf")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    document = await extract_pdf_async(content)
    ticker.cancel()
    assert document.sections and ticks > 10
    with pytest.raises(PdfUnreadable, match="took too long"):
        await extract_pdf_async(content, timeout=0.0)
    started = time.monotonic()
    await extract_pdf_async(recorded("pdf/arxiv_2304.02623v1.pdf"))
    assert time.monotonic() - started < 30

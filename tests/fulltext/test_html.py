"""Extracting arXiv's LaTeXML pages: expectations written by reading the two recorded pages."""

from __future__ import annotations

import pytest

from fulltext.code import find_code_links
from fulltext.document import FullText
from fulltext.html import NotLaTeXML, extract_html
from tests.fulltext.conftest import recorded


@pytest.fixture(scope="module")
def delegate() -> FullText:
    return extract_html(recorded("html/arxiv_html_2604.15597v1.html"))


@pytest.fixture(scope="module")
def lie() -> FullText:
    return extract_html(recorded("html/arxiv_html_1901.01543v11.html"))


def test_title_abstract_and_the_section_tree(delegate):
    assert delegate.source == "html"
    assert delegate.title == "LLMs Corrupt Your Documents When You Delegate"
    assert delegate.abstract.startswith("Large Language Models (LLMs) are poised to disrupt")
    top = [(s.anchor, s.number, s.title) for s in delegate.sections if s.level == 1]
    assert top[:3] == [
        ("S1", "1", "Introduction"),
        ("S2", "2", "The DELEGATE-52 Benchmark"),
        ("S3", "3", "Experiments"),
    ]
    assert ("S9", "9", "Conclusion") in top
    assert ("Sx1", "", "Acknowledgements") in top
    assert ("A1", "A", "Instruction Compliance Validation") in top
    assert top[-1] == ("A14", "N", "Document Desiderata")
    assert len([s for s in delegate.sections if s.anchor.startswith("A")]) > 14  # + subsections
    assert sum(1 for anchor, _, _ in top if anchor.startswith("A")) == 14
    subsection = delegate.section("S2.SS1")
    assert (subsection.number, subsection.title, subsection.level) == (
        "2.1",
        "Evaluating Without References",
        2,
    )
    assert delegate.section("S2.SS2.SSS1").level == 3


def test_paragraphs_maths_captions_and_no_site_chrome(delegate):
    intro = delegate.section("S1").text
    assert intro.startswith("Recent LLM progress is enabling new interaction paradigms")
    assert "\n\n" in intro  # paragraphs apart
    assert "$N=10$" in delegate.section("S3").text  # maths as its TeX
    assert "Figure 6: A round-trip relay" in delegate.section("S3").text  # a caption
    text = delegate.to_json()
    assert "\\cellcolor" not in text  # 1,990 ltx_ERROR leaks in the tables
    assert "Back to Abstract" not in text and "Download PDF" not in text
    assert "Cited by" not in text


def test_references_counts_and_links(delegate, lie):
    assert len(delegate.references) == 94
    first = delegate.references[0]  # bib.bib98: ids are not in display order
    assert first.text.startswith("M. Allamanis, S. Panthaplackel, and P. Yin (2024) Unsupervised")
    assert {r.arxiv_id for r in delegate.references if r.arxiv_id} == {"2602.03429", "2510.06552"}
    assert (delegate.figures, delegate.tables) == (21, 11)
    assert "https://github.com/microsoft/DELEGATE52" in delegate.front_links
    assert len(lie.references) == 56
    assert lie.references[0].text.startswith("M. J. Ablowitz and A. Zeppetella. Explicit")
    ids = {r.arxiv_id for r in lie.references if r.arxiv_id}
    assert {"1805.02910", "physics/0503066"} <= ids  # new and old style


def test_code_links_of_the_delegate_page(delegate):
    links = find_code_links(document=delegate)
    assert [(link.url, link.own) for link in links] == [
        ("https://github.com/microsoft/DELEGATE52", True),
        ("https://huggingface.co/datasets/microsoft/DELEGATE52", True),
    ]


def test_maths_heavy_lecture_notes(lie):
    assert [(s.anchor, s.number) for s in lie.sections if s.level == 1] == [
        ("Sx1", ""),
        ("S1", "1"),
        ("S2", "2"),
        ("S3", "3"),
        ("S4", "4"),
        ("S5", "5"),
        ("Sx2", ""),
    ]
    vector_fields = lie.section("S1").text
    assert "Let $M$ be a differentiable manifold of dimension $n$." in vector_fields
    assert "$\\mathbf{v}|_{x}=\\sum_{i=1}^{n}\\xi_{i}(x)\\partial_{x_{i}},$" in vector_fields
    assert lie.section("S5.SS2").title == "Lie’s Linearization Theorem"
    assert find_code_links(document=lie) == ()


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (
            b"<html><head><title>Example Domain</title></head><body><p>Hi</p></body></html>",
            "not a LaTeXML rendering",
        ),
        (
            b"<html><body><h1>No HTML for '2401.00001'</h1><p>HTML is not available for the source."
            b"</p></body></html>",
            "no HTML rendering",
        ),
        (b"", "not an HTML page"),
    ],
)
def test_pages_that_are_not_latexml(page, reason):
    with pytest.raises(NotLaTeXML, match=reason):
        extract_html(page)

"""The daily feeds of rss.arxiv.org (RSS 2.0 and Atom), against recorded responses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from crawler.parse import parse_document, parse_rss
from crawler.records import AuthorRecord, PaperRecord, ParsedDocument

RSS = Path(__file__).parents[2] / "fixtures" / "arxiv" / "rss"
BIG = RSS / "aioarxiv_rss_mock_feed.trimmed.xml"


def papers_by_id(name: str) -> dict[str, PaperRecord]:
    return papers_by_id_from((RSS / name).read_bytes())


def papers_by_id_from(data: bytes) -> dict[str, PaperRecord]:
    return {p.arxiv_id: p for p in parse_rss(data).papers}


def test_multi_category_feed_header_and_items() -> None:
    document = parse_document((RSS / "laya-reader_arxiv_rss.xml").read_bytes())
    assert document.kind == "rss"
    assert document.error is None
    assert document.feed_query == "cs.LG+cs.AI+cs.CL+stat.ML"
    assert [p.arxiv_id for p in document.papers] == [
        "2609.26811",
        "2609.26820",
        "2205.06398",
        "2009.13987",
    ]
    assert [p.announcement.type for p in document.papers] == ["new", "new", "cross", "replace"]


def test_cross_listed_item_fields() -> None:
    paper = papers_by_id("laya-reader_arxiv_rss.xml")["2205.06398"]
    assert paper.version == 2
    assert paper.version_exact
    assert paper.title == "Outlier Detection for Multi-Network Data"
    assert paper.abstract.startswith("It has become routine in neuroscience studies")
    assert "Abstract:" not in paper.abstract and "\n" not in paper.abstract
    assert paper.primary_category == "stat.ME"  # outside the feed's categories: a cross-list
    assert paper.categories == ("stat.ME", "stat.AP", "stat.ML")
    assert paper.doi == "10.1093/bioinformatics/btac431"
    assert paper.license == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert [a.name for a in paper.authors] == ["Pritam Dey", "Zhengwu Zhang", "David B. Dunson"]
    assert paper.published is None and paper.updated is None  # feeds carry no submission dates
    assert paper.announcement.announced_on == dt.date(2026, 9, 24)
    assert paper.announcement.feed_categories == ("cs.LG", "cs.AI", "cs.CL", "stat.ML")


def test_replacement_keeps_its_version_and_licence() -> None:
    paper = papers_by_id("laya-reader_arxiv_rss.xml")["2009.13987"]
    assert paper.version == 3
    assert paper.announcement.type == "replace"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.categories == ("cs.LG", "math.MG", "stat.ML")


def test_big_feed_counts_versions_and_archive_query() -> None:
    document = parse_rss(BIG.read_bytes())
    types = [p.announcement.type for p in document.papers]
    assert len(document.papers) == 85
    assert types == ["new"] * 40 + ["cross"] * 5 + ["replace"] * 40
    assert {p.version for p in document.papers} == {1, 2, 3, 4, 5}
    feed_categories = document.papers[0].announcement.feed_categories
    assert feed_categories[:3] == ("astro-ph", "cond-mat", "physics") and len(feed_categories) == 20
    assert {p.announcement.announced_on for p in document.papers} == {dt.date(2024, 11, 28)}
    assert sum(1 for p in document.papers if p.doi) == 10
    assert sum(1 for p in document.papers if p.journal_ref) == 8


def test_tex_is_kept_and_entities_undone_once() -> None:
    papers = papers_by_id(BIG.name)
    paper = papers["2411.17730"]
    assert paper.title == (
        "Almost sure well-posedness and orbital stability for "
        'Schr\\"odinger equation with potential'
    )
    assert r"where $\frac{1}{3}<s<1$ and" in paper.abstract  # &lt; in the feed
    assert papers["2103.07442"].title.startswith("Quark Density in Lattice QC$_2$D")


def test_tex_accents_and_affiliations_in_creators() -> None:
    papers = papers_by_id(BIG.name)
    names = [a.name for a in papers["2411.17709"].authors]
    assert names[2] == r"Przemys{\l}aw Olbratowski"
    assert names[-1] == r"Jaros{\l}aw \.Zygierewicz"
    compact = papers["2211.02603"].authors
    assert len(compact) == 12
    assert compact[0] == AuthorRecord("Pip Petersen", "COMPACT Collaboration")
    assert compact[9] == AuthorRecord(r"\"Ozen\c{c} G\"ung\"or", "COMPACT Collaboration")


def test_old_paper_cross_listed_again() -> None:
    paper = papers_by_id(BIG.name)["2202.06515"]
    assert paper.announcement.type == "cross"
    assert paper.version == 3
    assert paper.journal_ref == "Physics of Fluids 36, 117158 (2024)"
    assert paper.doi == "10.1063/5.0236964"


def test_error_feed_is_a_document_with_an_error() -> None:
    document = parse_document((RSS / "aioarxiv_error_rss_mock_feed.xml").read_bytes())
    assert document.kind == "rss"
    assert document.papers == []
    assert document.error.startswith("Bad archive 'astroph'. Valid archive names are: astro-ph,")
    assert document.feed_query == "astroph"


def test_empty_feed_has_no_papers_and_no_error() -> None:
    data = (RSS / "laya-reader_arxiv_rss.xml").read_bytes()
    empty = re.sub(rb"\s*<item>.*?</item>", b"", data, flags=re.DOTALL)
    document = parse_rss(empty)
    assert document.papers == [] and document.error is None
    assert document.feed_query == "cs.LG+cs.AI+cs.CL+stat.ML"


def test_replace_cross_type_and_unversioned_guid() -> None:
    data = (RSS / "laya-reader_arxiv_rss.xml").read_bytes()
    data = data.replace(
        b"<arxiv:announce_type>replace</arxiv:announce_type>",
        b"<arxiv:announce_type>replace-cross</arxiv:announce_type>",
    ).replace(b"oai:arXiv.org:2009.13987v3", b"oai:arXiv.org:2009.13987")
    paper = papers_by_id_from(data)["2009.13987"]
    assert paper.announcement.type == "replace-cross"
    assert paper.version == 3  # from the description when the guid has none
    assert paper.version_exact


def test_bad_item_is_skipped_and_named() -> None:
    data = (RSS / "laya-reader_arxiv_rss.xml").read_bytes()
    data = data.replace(b"oai:arXiv.org:2609.26820v1", b"oai:arXiv.org:not-an-id")
    document = parse_rss(data)
    assert [p.arxiv_id for p in document.papers] == ["2609.26811", "2205.06398", "2009.13987"]
    assert len(document.problems) == 1 and document.problems[0].startswith("item 2:")


@pytest.fixture(scope="module")
def atom_feed() -> ParsedDocument:
    return parse_document((RSS / "paper-forge_arxiv_rss_atom.xml").read_bytes())


def test_atom_variant_kind_and_query(atom_feed: ParsedDocument) -> None:
    assert atom_feed.kind == "atom-feed"
    assert atom_feed.feed_query == "cs.LG"
    assert [p.arxiv_id for p in atom_feed.papers] == ["2609.28553", "2402.10149", "2401.08875"]


def test_atom_variant_cross_entry(atom_feed: ParsedDocument) -> None:
    paper = atom_feed.papers[1]
    assert paper.version == 3
    assert paper.primary_category == "hep-ph"
    assert paper.categories == ("hep-ph", "cs.LG", "hep-ex")
    assert paper.doi == "10.1103/PhysRevD.111.032004"
    assert paper.announcement.type == "cross"
    assert paper.announcement.announced_on == dt.date(2026, 9, 25)
    assert paper.announcement.feed_categories == ("cs.LG",)
    assert paper.published is None
    assert len(paper.authors) == 5 and paper.authors[0].name == "Callum Birch-Sykes"


def test_atom_variant_journal_reference_before_doi(atom_feed: ParsedDocument) -> None:
    paper = atom_feed.papers[0]
    assert paper.journal_ref == (
        "2026 International Conference on Multimedia Analysis and Pattern Recognition (MAPR)"
    )
    assert paper.doi == "10.1109/MAPR72750.2026.11685822"
    assert paper.abstract.startswith("Drug toxicity prediction is critical")

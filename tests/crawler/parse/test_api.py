"""The search API's Atom pages, current and legacy, against recorded responses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crawler.parse import parse_api, parse_document
from crawler.records import AuthorRecord, VersionRecord

API = Path(__file__).parents[2] / "fixtures" / "arxiv" / "atom-api"
UTC = dt.UTC


def only_paper(name: str):
    document = parse_api((API / name).read_bytes())
    assert len(document.papers) == 1
    return document.papers[0]


def test_legacy_format_with_inline_namespaces_and_wrapped_text() -> None:
    document = parse_document((API / "xiv_arxiv_response.xml").read_bytes())
    assert document.kind == "api"
    assert (document.total_results, document.start_index) == (5619, 0)
    assert document.feed_query.startswith("search_query=cat:cs.RO AND (neural)&id_list=")
    paper = document.papers[0]
    assert paper.arxiv_id == "2510.14968" and paper.version == 1
    assert paper.title == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert paper.abstract.startswith("To tackle long-horizon tasks, recent hierarchical")
    assert paper.abstract.endswith("Code and more results are available at rdd-neurips.github.io.")
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.comment == (
        "39th Conference on Neural Information Processing Systems (NeurIPS 2025); "
        "Project Website: rdd-neurips.github.io"
    )
    assert paper.primary_category == "cs.RO"
    assert paper.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY")
    assert paper.published == paper.updated == dt.datetime(2025, 10, 16, 17, 59, 37, tzinfo=UTC)
    assert [a.name for a in paper.authors] == [
        "Mingxuan Yan",
        "Yuping Wang",
        "Zechun Liu",
        "Jiachen Li",
    ]
    assert document.papers[1].arxiv_id == "2510.14827"
    assert document.papers[1].categories == ("cs.RO",)


def test_old_style_identifier_with_version() -> None:
    paper = only_paper("id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml")
    assert paper.arxiv_id == "quant-ph/0201082"
    assert paper.version == 1
    assert paper.primary_category == "quant-ph"
    assert paper.categories == ("quant-ph", "cs.PL")
    assert paper.comment == "32 pages"
    assert paper.authors == (AuthorRecord("Stephen Blaha"),)
    assert paper.abstract.startswith("We show a representation of Quantum Computers")
    assert paper.published == dt.datetime(2002, 1, 18, 15, 8, 5, tzinfo=UTC)
    assert paper.versions == (VersionRecord(1, submitted=paper.published),)
    assert paper.journal_ref is None and paper.doi is None and paper.license is None


def test_title_zero_stays_zero() -> None:
    paper = only_paper("id_2104.12255v1_s0_m100_6ae69987ffe1.xml")
    assert paper.title == "0"
    assert paper.comment is None and paper.doi is None


def test_unversioned_request_gets_the_version_from_the_entry() -> None:
    paper = only_paper("id_1605.08386_s0_m100_199195aa31ad.xml")
    assert (paper.arxiv_id, paper.version) == ("1605.08386", 1)
    assert paper.categories == ("math.CO", "math.ST")
    assert [a.name for a in paper.authors] == ["Caprice Stanley", "Tobias Windisch"]


def test_long_author_list_keeps_order_and_unicode() -> None:
    paper = only_paper("id_1707.08567_s0_m100_6a1afebfc6a3.xml")
    names = [a.name for a in paper.authors]
    assert "Dirk Wübben" in names
    assert len(names) == len(set(names)) > 10


def test_current_format_page_with_affiliations_dois_and_unicode() -> None:
    document = parse_api((API / "q_testing_s0_m100_cfe7536492ca.xml").read_bytes())
    assert (document.total_results, document.start_index) == (214881, 0)
    assert document.feed_query == "search_query=all:testing&id_list=&start=0&max_results=100"
    assert len(document.papers) == 100
    assert sum(1 for p in document.papers if p.doi) == 32
    papers = {p.arxiv_id: p for p in document.papers}
    assert papers["0804.0970"].authors == (
        AuthorRecord("Marie-Claude Gaudel", "LRI"),
        AuthorRecord("Pascale Le Gall", "IBISC"),
    )
    names = {a.name for p in document.papers for a in p.authors}
    assert {"Aurora Ramírez", "José Raúl Romero", "Oliver Weißl", "Lasse Møldrup"} <= names
    first = document.papers[0]
    assert first.arxiv_id == "2202.12139"
    assert first.primary_category == "cs.SE"
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")


def test_pages_report_their_start_index() -> None:
    starts = [
        parse_api((API / name).read_bytes()).start_index
        for name in (
            "q_testing_s0_m10_bc5a6c384fe9.xml",
            "q_testing_s10_m10_34e56e15aaac.xml",
            "q_testing_s20_m10_348a237fecab.xml",
        )
    ]
    assert starts == [0, 10, 20]


def test_error_entry_is_an_error_document() -> None:
    document = parse_document((API / "id_abc_s0_m100_b79c8dcf6bc3.xml").read_bytes())
    assert document.kind == "api"
    assert document.error == "incorrect id format for abc"
    assert document.papers == []
    assert document.total_results == 1  # why totalResults alone cannot be trusted


def test_unknown_id_is_an_empty_page() -> None:
    document = parse_document((API / "id_0808.05394_s0_m100_7b0c7d0a7cdd.xml").read_bytes())
    assert document.papers == [] and document.error is None
    assert document.total_results == 0


def test_replaced_paper_lists_first_and_returned_version() -> None:
    data = (API / "id_1605.08386_s0_m100_199195aa31ad.xml").read_bytes()
    data = data.replace(b"http://arxiv.org/abs/1605.08386v1", b"http://arxiv.org/abs/1605.08386v3")
    data = data.replace(
        b"<updated>2016-05-26T17:59:46Z</updated>", b"<updated>2017-01-02T03:04:05Z</updated>"
    )
    paper = parse_api(data).papers[0]
    assert paper.version == 3
    assert paper.published == dt.datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)
    assert paper.updated == dt.datetime(2017, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert [(v.version, v.submitted) for v in paper.versions] == [
        (1, paper.published),
        (3, paper.updated),
    ]


def test_acm_and_msc_classes_are_not_categories() -> None:
    data = (API / "id_1605.08386_s0_m100_199195aa31ad.xml").read_bytes()
    data = data.replace(
        b'<category term="math.ST" scheme="http://arxiv.org/schemas/atom"/>',
        b'<category term="math.ST" scheme="http://arxiv.org/schemas/atom"/>'
        b'<category term="I.2.6" scheme="http://arxiv.org/schemas/atom"/>'
        b'<category term="60J10" scheme="http://arxiv.org/schemas/atom"/>'
        b'<category term="math.CO" scheme="http://arxiv.org/schemas/atom"/>',
    )
    assert parse_api(data).papers[0].categories == ("math.CO", "math.ST")


def test_old_style_identifiers_in_a_search_page() -> None:
    papers = {
        p.arxiv_id: p
        for p in parse_api((API / "q_testing_s0_m100_cfe7536492ca.xml").read_bytes()).papers
    }
    assert {"cs/0503050", "gr-qc/0103067", "hep-ph/0301050"} <= set(papers)
    paper = papers["gr-qc/0103067"]
    assert paper.version == 1
    assert paper.title == (
        "Principles of Equivalence: Their Role in Gravitation Physics and Experiments "
        "that Test Them"
    )
    assert paper.published == dt.datetime(2001, 3, 17, 21, 54, 18, tzinfo=UTC)
    assert paper.abstract.startswith("Modern formulations of equivalence principles")

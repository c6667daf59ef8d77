"""OAI-PMH responses (arXivRaw, arXiv, oai_dc; old and new service), whole and streamed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crawler.parse import OaiStream, ParseError, parse_document, parse_oai
from crawler.records import AuthorRecord, PaperRecord, ParsedDocument, VersionRecord

OAI = Path(__file__).parents[2] / "fixtures" / "arxiv" / "oai"
UTC = dt.UTC
WITHDRAWN = {"0801.4122", "0801.4138", "0801.4243", "0801.4311", "0801.4644"}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def full_page() -> ParsedDocument:
    return parse_oai((OAI / "arxivsync_47001.xml").read_bytes())


def by_id(document: ParsedDocument) -> dict[str, PaperRecord]:
    return {p.arxiv_id: p for p in document.papers}


def test_full_arxivraw_page_with_single_quoted_attributes(full_page: ParsedDocument) -> None:
    assert full_page.kind == "oai"
    assert len(full_page.papers) == 1000
    assert full_page.problems == []
    assert full_page.resumption_token == "496549|47001"
    assert (full_page.total_results, full_page.start_index) == (907096, 46000)
    assert all(p.version_exact and p.versions for p in full_page.papers)


def test_multi_version_history(full_page: ParsedDocument) -> None:
    paper = by_id(full_page)["0801.3674"]
    assert paper.version == 4
    assert [v.version for v in paper.versions] == [1, 2, 3, 4]
    assert paper.versions[0] == VersionRecord(1, at(2008, 1, 23, 21, 13, 53), "33kb", None)
    assert paper.published == at(2008, 1, 23, 21, 13, 53)
    assert paper.updated == at(2008, 9, 11, 22, 3, 53)
    assert paper.title == (
        "A Study of Structure Formation and Reheating in the D3/D7 Brane Inflation Model"
    )
    assert paper.authors == (
        AuthorRecord("Robert H. Brandenberger", "McGill"),
        AuthorRecord("Keshav Dasgupta", "McGill"),
        AuthorRecord("Anne-Christine Davis", "DAMTP, Cambridge"),
    )
    assert paper.primary_category == "hep-th"
    assert paper.categories == ("hep-th", "astro-ph", "gr-qc", "hep-ph")
    assert paper.comment == (
        "Some sections expanded, typos corrected and references added. "
        "Final version to appear in Phys. Rev. D"
    )
    assert paper.journal_ref == "Phys.Rev.D78:083502,2008"
    assert paper.doi == "10.1103/PhysRevD.78.083502"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.abstract.startswith("We study the spectrum of cosmological fluctuations")
    assert not paper.withdrawn


def test_withdrawn_papers(full_page: ParsedDocument) -> None:
    assert {p.arxiv_id for p in full_page.papers if p.withdrawn} == WITHDRAWN
    paper = by_id(full_page)["0801.4243"]  # its comment says nothing: the empty source does
    assert paper.comment == "5 pages"
    assert (paper.versions[-1].size, paper.versions[-1].source_type) == ("0kb", "I")


def test_numbered_affiliations_and_collaborations(full_page: ParsedDocument) -> None:
    papers = by_id(full_page)
    assert papers["0801.3941"].authors == (
        AuthorRecord("M.B.N. Kouwenhoven", "University of Sheffield"),
        AuthorRecord("R. de Grijs", "University of Sheffield, Chinese Academy of Sciences"),
    )
    assert papers["0801.4330"].authors[0] == AuthorRecord(
        "S. Ando", "Sungkyunkwan U., U. of Manchester"
    )  # "(1 and 2)"
    assert [a.name for a in papers["0801.4375"].authors] == ["CDF Collaboration", "T. Aaltonen"]
    assert [a.name for a in papers["0801.4020"].authors] == ["PHENIX Collaboration", "A. Adare"]


def test_first_page_of_a_harvest_with_two_dois() -> None:
    document = parse_document((OAI / "arXivOAIHarvester_ListRecordsResponse.xml").read_bytes())
    assert document.resumption_token == "726959|1001"
    assert (document.total_results, document.start_index) == (58011, 0)
    assert len(document.papers) == 6
    paper = by_id(document)["0704.0471"]
    assert paper.doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert paper.journal_ref == "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    assert [a.name for a in paper.authors] == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
    assert 'extremely " stiff " and " soft " form' in paper.abstract
    assert paper.version == 1 and paper.published == paper.updated == at(2007, 4, 3, 22, 4, 11)


def test_get_record_with_source_types() -> None:
    document = parse_document((OAI / "arXivOAIHarvester_GetRecordResponse.xml").read_bytes())
    assert document.resumption_token is None
    (paper,) = document.papers
    assert paper.arxiv_id == "1302.2146" and paper.version == 2
    assert [v.source_type for v in paper.versions] == ["D", "D"]
    assert [a.name for a in paper.authors] == [
        "Joshua Berger",
        "Maxim Perelstein",
        "Michael Saelim",
        "Philip Tanedo",
    ]
    assert paper.categories == ("hep-ph", "hep-ex")


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "arXivOAIHarvester_ErrorResponseNoRecordsMatch.xml",
            "noRecordsMatch",
            "Set argument doesn't match any sets. The setSpec was 'moo'",
        ),
        (
            "arXivOAIHarvester_ErrorResponseBadResumptionToken.xml",
            "badResumptionToken",
            "The resumptionToken supplied is illegal for this repository",
        ),
    ],
)
def test_error_responses(name: str, code: str, message: str) -> None:
    document = parse_document((OAI / name).read_bytes())
    assert (document.error_code, document.error) == (code, message)
    assert document.papers == [] and document.resumption_token is None


def test_old_service_arxiv_format_dates_and_versions() -> None:
    document = parse_oai((OAI / "arxivsync_436115-5001.trimmed.xml").read_bytes())
    assert len(document.papers) == 100
    assert document.resumption_token == "436115|5001"
    assert (document.total_results, document.start_index) == (846926, 4000)
    papers = by_id(document)
    several = papers["0704.4001"]  # has <updated>: more than one version, number unknown
    assert (several.version, several.version_exact) == (2, False)
    assert several.published == at(2007, 4, 30)
    assert several.updated == at(2008, 1, 28)
    assert several.versions == (VersionRecord(1, submitted=at(2007, 4, 30)),)
    assert several.report_no == "RUNHETC-07-05"
    assert [a.name for a in several.authors] == [
        "Michael R. Douglas",
        "Jessie Shelton",
        "Gonzalo Torroba",
    ]
    single = papers["0705.0001"]  # no <updated>: only v1 exists
    assert (single.version, single.version_exact) == (1, True)
    assert single.published == single.updated
    assert papers["0705.0005"].authors == (AuthorRecord("Gouranga C. Nayak", "SUNY, Stony Brook"),)
    assert papers["0704.4002"].categories == ("math.AT", "math.GR")


def test_old_service_get_record_in_arxiv_format() -> None:
    (paper,) = parse_document((OAI / "hepcrawl_arxiv-single.xml").read_bytes()).papers
    assert paper.arxiv_id == "1401.2122"
    assert paper.categories == ("math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI")
    assert paper.comment.startswith("16 pages, LaTeX, no figures, revised and abridged, in this")
    assert "\n" not in paper.comment
    assert paper.doi == "10.1007/s11005-017-1013-4"
    assert paper.published == at(2014, 1, 9) and paper.updated == at(2017, 10, 23)


def test_report_numbers_and_many_authors() -> None:
    papers = by_id(parse_oai((OAI / "hepcrawl_arxiv-physics-hep-ex.xml").read_bytes()))
    assert len(papers["1706.05371"].authors) == 13
    assert papers["1706.09418"].report_no == "BONN-TH-2017-03"
    assert papers["1707.00874"].report_no == "IITH-PH-0001/17, IMSc/2017/07/05"
    assert papers["1707.00874"].title.startswith("Implications of right-handed neutrinos in $B-L$")


def test_new_service_page_with_glued_records() -> None:
    document = parse_document((OAI / "agentgraph_arxiv_oai.xml").read_bytes())
    assert [p.arxiv_id for p in document.papers] == ["2504.11237", "2508.21012", "2510.07502"]
    assert document.resumption_token is None
    first = document.papers[0]
    assert first.authors[2] == AuthorRecord("Zoltán Harman")
    assert first.abstract.startswith("Mendeleev's periodic table")  # &#39;
    assert first.categories == ("physics.atom-ph", "physics.optics", "physics.plasm-ph", "quant-ph")
    assert first.license == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert first.doi == "10.1103/bppp-53g1"
    # New service: <created> is the day of the current version, whose number is not given.
    second = document.papers[1]
    assert (second.version, second.version_exact) == (1, False)
    assert second.published is None
    assert second.updated == at(2025, 12, 16)
    assert "O'Donnell" in document.papers[2].authors[8].name


def test_empty_resumption_token_marks_the_last_page() -> None:
    data = (OAI / "arXivOAIHarvester_ListRecordsResponse.xml").read_bytes()
    start = data.index(b"<resumptionToken")
    end = data.index(b"</resumptionToken>") + len(b"</resumptionToken>")
    last = data[:start] + b'<resumptionToken cursor="57000" completeListSize="58011"/>' + data[end:]
    document = parse_oai(last)
    assert document.resumption_token == ""
    assert (document.total_results, document.start_index) == (58011, 57000)


def test_deleted_records_are_skipped_and_unknown_formats_named() -> None:
    data = (OAI / "arXivOAIHarvester_ListRecordsResponse.xml").read_bytes()
    data = data.replace(b"<header>", b'<header status="deleted">', 1)
    marker = b'xmlns="http://arxiv.org/OAI/arXivRaw/"'
    second = data.index(marker, data.index(marker) + 1)
    data = data[:second] + b'xmlns="urn:example:unknown"' + data[second + len(marker) :]
    document = parse_oai(data)
    assert len(document.papers) == 4
    assert "0704.0471" not in by_id(document)  # the deleted one
    assert len(document.problems) == 1
    assert document.problems[0].startswith("record 2 (oai:arXiv.org:0704.0716): unknown metadata")


OAI_DC_PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-01-06T00:00:00Z</responseDate>
<request verb="GetRecord" identifier="oai:arXiv.org:1302.2146" metadataPrefix="oai_dc">http://oaipmh.arxiv.org/oai</request>
<GetRecord><record>
  <header><identifier>oai:arXiv.org:1302.2146</identifier><datestamp>2013-04-03</datestamp></header>
  <metadata>
    <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <dc:title>The Same-Sign Dilepton Signature of RPV/MFV SUSY</dc:title>
      <dc:creator>Berger, Joshua</dc:creator>
      <dc:creator>Perelstein, Maxim</dc:creator>
      <dc:subject>High Energy Physics - Phenomenology</dc:subject>
      <dc:description>The lack of observation of superpartners
        at the LHC so far </dc:description>
      <dc:description>18 pages, 6 figures; v2: References added</dc:description>
      <dc:date>2013-02-08</dc:date>
      <dc:date>2013-04-02</dc:date>
      <dc:type>text</dc:type>
      <dc:identifier>http://arxiv.org/abs/1302.2146</dc:identifier>
      <dc:identifier>Phys. Rev. D 87, 115002 (2013)</dc:identifier>
      <dc:identifier>doi:10.1103/PhysRevD.87.115002</dc:identifier>
    </oai_dc:dc>
  </metadata>
</record></GetRecord>
</OAI-PMH>
"""


def test_oai_dc_record() -> None:
    # Laid out like arXiv's oai_dc template (arXiv/oaipmh record_formats.xml); no recorded sample.
    (paper,) = parse_document(OAI_DC_PAGE).papers
    assert paper.arxiv_id == "1302.2146"
    assert paper.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert [a.name for a in paper.authors] == ["Joshua Berger", "Maxim Perelstein"]
    assert paper.abstract == "The lack of observation of superpartners at the LHC so far"
    assert paper.comment == "18 pages, 6 figures; v2: References added"
    assert paper.doi == "10.1103/PhysRevD.87.115002"
    assert paper.journal_ref == "Phys. Rev. D 87, 115002 (2013)"
    assert paper.published == at(2013, 2, 8) and paper.updated == at(2013, 4, 2)
    assert (paper.version, paper.version_exact) == (2, False)
    assert paper.categories == () and paper.primary_category is None


@pytest.mark.parametrize("name", sorted(p.name for p in OAI.glob("*.xml")))
def test_stream_gives_the_same_papers_as_the_whole_parse(name: str) -> None:
    data = (OAI / name).read_bytes()
    whole = parse_oai(data)
    stream = OaiStream()
    papers: list[PaperRecord] = []
    for start in range(0, len(data), 997):
        papers.extend(stream.feed(data[start : start + 997]))
    envelope = stream.close()
    assert papers == whole.papers
    assert envelope.papers == []
    assert (envelope.resumption_token, envelope.total_results, envelope.start_index) == (
        whole.resumption_token,
        whole.total_results,
        whole.start_index,
    )
    assert (envelope.error, envelope.error_code) == (whole.error, whole.error_code)


def test_stream_yields_papers_before_the_end() -> None:
    data = (OAI / "arxivsync_47001.xml").read_bytes()
    stream = OaiStream()
    early = stream.feed(data[: len(data) // 2])
    assert 400 < len(early) < 600
    rest = stream.feed(data[len(data) // 2 :])
    assert len(early) + len(rest) == 1000
    assert stream.close().resumption_token == "496549|47001"


def test_stream_rejects_truncation_and_entities() -> None:
    data = (OAI / "arXivOAIHarvester_GetRecordResponse.xml").read_bytes()
    stream = OaiStream()
    stream.feed(data[: len(data) // 2])
    with pytest.raises(ParseError, match=r"truncated or malformed XML at line \d+, column \d+"):
        stream.close()
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><OAI-PMH/>'
    with pytest.raises(ParseError, match="XML entity declarations are not accepted"):
        OaiStream().feed(bomb)
    with pytest.raises(ParseError, match="over the limit"):
        OaiStream(max_bytes=100).feed(data)

"""parse_document: format detection, every recorded response, and documents that are refused."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crawler.parse import ParseError, parse_document

ARXIV = Path(__file__).parents[2] / "fixtures" / "arxiv"
ALL = sorted(
    p.relative_to(ARXIV).as_posix() for p in ARXIV.rglob("*") if p.suffix in {".xml", ".jsonl"}
)
ERROR_DOCUMENTS = {
    "rss/aioarxiv_error_rss_mock_feed.xml",
    "atom-api/id_abc_s0_m100_b79c8dcf6bc3.xml",
    "oai/arXivOAIHarvester_ErrorResponseBadResumptionToken.xml",
    "oai/arXivOAIHarvester_ErrorResponseNoRecordsMatch.xml",
}
EMPTY_DOCUMENTS = {"atom-api/id_0808.05394_s0_m100_7b0c7d0a7cdd.xml"}
KIND_OF_FOLDER = {"rss": {"rss", "atom-feed"}, "atom-api": {"api"}, "oai": {"oai"}}


def test_every_fixture_is_covered() -> None:
    assert len(ALL) == 25
    assert set(ALL) >= ERROR_DOCUMENTS | EMPTY_DOCUMENTS


@pytest.mark.parametrize("name", ALL)
def test_every_recorded_response_parses(name: str) -> None:
    document = parse_document((ARXIV / name).read_bytes())
    folder = name.split("/")[0]
    assert document.kind in KIND_OF_FOLDER.get(folder, {"snapshot"})
    assert document.problems == []
    if name in ERROR_DOCUMENTS:
        assert document.error and document.papers == []
    elif name in EMPTY_DOCUMENTS:
        assert document.error is None and document.papers == []
    else:
        assert document.error is None and document.papers
        for paper in document.papers:
            assert paper.arxiv_id and "v" not in paper.arxiv_id.split("/")[-1]
            assert paper.version >= 1
            assert paper.title == paper.title.strip() and "\n" not in paper.title
            assert "\n" not in paper.abstract
            assert paper.primary_category is None or paper.categories[0] == paper.primary_category
            assert len(set(paper.categories)) == len(paper.categories)
            for date in (paper.published, paper.updated):
                assert date is None or date.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("hint", "name"),
    [
        ("rss", "rss/laya-reader_arxiv_rss.xml"),
        ("atom-feed", "rss/paper-forge_arxiv_rss_atom.xml"),
        ("api", "atom-api/xiv_arxiv_response.xml"),
        ("oai", "oai/hepcrawl_arxiv-single.xml"),
        ("snapshot", "snapshot/arxiv-metadata-sample.jsonl"),
    ],
)
def test_source_hint_of_the_right_kind(hint: str, name: str) -> None:
    assert parse_document((ARXIV / name).read_bytes(), source_hint=hint).kind == hint


def test_source_hint_of_the_wrong_kind_is_refused() -> None:
    data = (ARXIV / "atom-api/xiv_arxiv_response.xml").read_bytes()
    with pytest.raises(ParseError, match="expected a atom-feed document, found api"):
        parse_document(data, source_hint="atom-feed")
    with pytest.raises(ValueError, match="unknown source_hint"):
        parse_document(data, source_hint="html")


@pytest.mark.parametrize(
    "name",
    [
        "oai/arxivsync_47001.xml",
        "rss/aioarxiv_rss_mock_feed.trimmed.xml",
        "atom-api/q_testing_s0_m100_cfe7536492ca.xml",
        "rss/paper-forge_arxiv_rss_atom.xml",
    ],
)
def test_truncated_document_raises_a_one_line_error(name: str) -> None:
    data = (ARXIV / name).read_bytes()
    with pytest.raises(ParseError) as caught:
        parse_document(data[: len(data) // 2])
    message = str(caught.value)
    assert message.startswith("truncated or malformed XML at line ")
    assert "column" in message and "\n" not in message


def test_malformed_xml_names_the_place() -> None:
    with pytest.raises(ParseError, match=r"at line 3, column \d+: .*mismatch"):
        parse_document(b"<rss>\n<channel>\n</rss>")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty document"),
        (b"  \n ", "empty document"),
        (b"<html><body/></html>", "root element is <html>"),
        (b"Service Unavailable", "neither XML nor JSON lines: starts with 'Service Unavailable'"),
        (
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
            "RSS 1.0 feeds",
        ),
    ],
)
def test_not_an_arxiv_document(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_document(data)


def billion_laughs(levels: int = 10) -> bytes:
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", '<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        lines.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    lines += ["]>", f"<rss><channel><title>&lol{levels - 1};</title></channel></rss>"]
    return "\n".join(lines).encode()


@pytest.mark.serial
def test_xml_bomb_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(ParseError, match="XML entity declarations are not accepted"):
        parse_document(billion_laughs())
    assert time.perf_counter() - started < 0.5


def test_external_entities_are_refused() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ELEMENT rss ANY>\n'
        b'<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<rss><channel><title>&xxe;</title>'
        b"</channel></rss>"
    )
    with pytest.raises(ParseError, match="XML entity declarations are not accepted"):
        parse_document(data)


def test_doctype_without_entities_is_accepted() -> None:
    data = (ARXIV / "rss/laya-reader_arxiv_rss.xml").read_bytes()
    data = data.replace(b"<rss ", b"<!DOCTYPE rss>\n<rss ", 1)
    assert len(parse_document(data).papers) == 4


def test_size_limit() -> None:
    data = (ARXIV / "oai/arxivsync_47001.xml").read_bytes()
    with pytest.raises(ParseError, match="over the limit of 1,000,000 bytes"):
        parse_document(data, max_bytes=1_000_000)
    snapshot = (ARXIV / "snapshot/arxiv-metadata-sample.jsonl").read_bytes()
    with pytest.raises(ParseError, match="over the limit"):
        parse_document(snapshot, max_bytes=1000)


def test_parsing_in_threads_at_once() -> None:
    data = (ARXIV / "oai/arxivsync_436115-5001.trimmed.xml").read_bytes()
    expected = parse_document(data).papers
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: parse_document(data).papers, range(8)))
    assert all(papers == expected for papers in results)

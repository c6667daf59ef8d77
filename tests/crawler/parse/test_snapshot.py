"""arXiv's metadata snapshot (Kaggle JSON lines), read whole or streamed line by line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.parse import ParseError, iter_snapshot, parse_document, parse_oai
from crawler.records import AuthorRecord, VersionRecord

ARXIV = Path(__file__).parents[2] / "fixtures" / "arxiv"
SAMPLE = ARXIV / "snapshot" / "arxiv-metadata-sample.jsonl"
UTC = dt.UTC


def test_sample_parses_as_a_snapshot_document() -> None:
    document = parse_document(SAMPLE.read_bytes())
    assert document.kind == "snapshot"
    assert document.problems == [] and document.error is None
    assert [p.arxiv_id for p in document.papers] == [
        "1302.2146",
        "0801.3674",
        "0801.4122",
        "0704.0471",
        "quant-ph/0201082",
    ]


def test_fields_of_a_snapshot_line() -> None:
    papers = {p.arxiv_id: p for p in parse_document(SAMPLE.read_bytes()).papers}
    paper = papers["0801.3674"]
    assert paper.version == 4 and paper.version_exact
    assert paper.versions[0] == VersionRecord(1, dt.datetime(2008, 1, 23, 21, 13, 53, tzinfo=UTC))
    assert paper.published == dt.datetime(2008, 1, 23, 21, 13, 53, tzinfo=UTC)
    assert paper.updated == dt.datetime(2008, 9, 11, 22, 3, 53, tzinfo=UTC)
    assert paper.authors[2] == AuthorRecord("Anne-Christine Davis", "DAMTP, Cambridge")
    assert paper.title == (
        "A Study of Structure Formation and Reheating in the D3/D7 Brane Inflation Model"
    )
    assert papers["0801.4122"].withdrawn
    assert [a.name for a in papers["0801.4122"].authors][-2:] == ["Jihui Wu", "Weiqun Shen"]
    assert papers["0704.0471"].doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    old = papers["quant-ph/0201082"]
    assert old.categories == ("quant-ph", "cs.PL") and old.license is None


def test_snapshot_agrees_with_the_oai_record_it_was_made_from() -> None:
    (oai,) = parse_oai(
        (ARXIV / "oai" / "arXivOAIHarvester_GetRecordResponse.xml").read_bytes()
    ).papers
    snapshot = parse_document(SAMPLE.read_bytes()).papers[0]
    same = ("arxiv_id", "version", "title", "abstract", "categories", "published", "updated")
    assert {f: getattr(snapshot, f) for f in same} == {f: getattr(oai, f) for f in same}
    assert snapshot.authors == oai.authors
    assert [(v.version, v.submitted) for v in snapshot.versions] == [
        (v.version, v.submitted) for v in oai.versions
    ]


def test_iter_snapshot_streams_from_a_lazy_iterator() -> None:
    first_line = SAMPLE.read_text(encoding="utf-8").splitlines()[0]

    def lines() -> Iterator[str]:
        yield first_line
        raise AssertionError("read past the first paper")

    papers = iter_snapshot(lines())
    assert next(papers).arxiv_id == "1302.2146"


def test_iter_snapshot_reads_an_open_file(tmp_path: Path) -> None:
    with SAMPLE.open(encoding="utf-8") as handle:
        assert sum(1 for _ in iter_snapshot(handle)) == 5
    with SAMPLE.open("rb") as handle:
        assert [p.version for p in iter_snapshot(handle)] == [2, 4, 3, 1, 1]


def test_blank_lines_are_ignored_and_bad_json_names_its_line() -> None:
    lines = ["", *SAMPLE.read_text(encoding="utf-8").splitlines()[:2], "   ", '{"id": "0704.0']
    papers = iter_snapshot(lines)
    assert [p.arxiv_id for p in (next(papers), next(papers))] == ["1302.2146", "0801.3674"]
    with pytest.raises(ParseError, match="snapshot line 5: invalid JSON"):
        next(papers)


def test_unusable_paper_raises_or_is_reported() -> None:
    good = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    bad = json.dumps({"id": "not an id", "title": "x"})
    with pytest.raises(ParseError, match="snapshot line 2: not an arXiv identifier"):
        list(iter_snapshot([good, bad]))
    problems: list[str] = []
    papers = list(iter_snapshot([good, bad, good], on_problem=problems.append))
    assert len(papers) == 2
    assert len(problems) == 1 and problems[0].startswith("snapshot line 2:")


def test_document_reports_bad_lines_as_problems() -> None:
    data = SAMPLE.read_bytes() + b'{"id": "9999.99999999"}\n'
    document = parse_document(data)
    assert len(document.papers) == 5
    assert len(document.problems) == 1 and document.problems[0].startswith("snapshot line 6:")


def test_overlong_line_is_refused() -> None:
    with pytest.raises(ParseError, match="longer than"):
        list(iter_snapshot(['{"id": "' + "x" * 200 + '"}'], max_line_bytes=100))

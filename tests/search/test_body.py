"""Search inside papers: bodies indexed from stored full texts, snippets, ``has:code``."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from crawler.records import AuthorRecord, PaperRecord, VersionRecord
from fulltext.document import CodeLink, FullText, FullTextStatus, Section
from fulltext.fetch import Outcome
from fulltext.service import on_fulltext_stored, record, store_document
from models.fulltext import PaperFullText
from search import check_index, index_papers, rebuild_index, search_papers
from search.highlight import ELLIPSIS, SNIPPET_CHARS, snippet
from search.query import parse_query
from tests.indexed import ingest
from web.app import create_app

UTC = dt.UTC
LONG = " ".join(f"filler{i}" for i in range(400))


def paper(arxiv_id: str, title: str, abstract: str, version: int = 1) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=(AuthorRecord("Grace Hopper"),),
        primary_category="cs.CL",
        categories=("cs.CL",),
        published=dt.datetime(2025, 3, 4, tzinfo=UTC),
        versions=tuple(VersionRecord(v) for v in range(1, version + 1)),
    )


def document(*sections: Section) -> FullText:
    return FullText(source="html", sections=sections)


METHOD = Section(
    "S3.SS2",
    "3.2",
    "Sampling the axolotl",
    f"{LONG}\n\nWe then sample every axolotl twice, a day apart.\n\n{LONG}",
    level=2,
)


async def add_papers(sessions):
    on_fulltext_stored(index_papers)  # as the site and the command line register it
    async with sessions.begin() as session:
        await ingest(
            session,
            [
                paper("2503.00001", "Salamander regeneration", "Limbs grow back."),
                paper("2503.00002", "Axolotl limbs", "Axolotl limbs grow back."),
                paper("2503.00003", "Frogs", "Frogs do not regrow limbs."),
            ],
        )
    return sessions


@pytest.fixture
async def papers(sessions):
    return await add_papers(sessions)


async def found(sessions, query: str, **options) -> list[str]:
    async with sessions() as session:
        page = await search_papers(session, query, **options)
    return [hit.paper.id for hit in page.hits]


async def test_storing_a_full_text_makes_its_body_searchable(papers) -> None:
    assert await found(papers, "axolotl") == ["2503.00002"]
    await store_document(papers, "2503.00001", 1, document(METHOD), 1000)
    assert await found(papers, "axolotl") == ["2503.00002", "2503.00001"]  # the body ranks below
    async with papers() as session:
        page = await search_papers(session, "axolotl")
    by_body, by_title = page.hits[1], page.hits[0]
    assert by_body.matched == ("body",)
    assert by_title.matched == ("title", "abstract") and by_title.body is None
    body = by_body.body
    assert body is not None
    assert (body.anchor, body.number, body.section) == ("S3.SS2", "3.2", "Sampling the axolotl")
    assert "We then sample every axolotl twice" in body.text
    assert len(body.text) <= SNIPPET_CHARS + 2 and "\n" not in body.text
    assert [body.text[s:e] for s, e in body.spans] == ["axolotl"]
    async with papers() as session:
        assert (await check_index(session, sample=None)).ok


async def test_a_body_word_many_times_ranks_below_it_once_in_an_abstract(papers) -> None:
    many = Section("S1", "1", "Introduction", "newt " * 300)
    await store_document(papers, "2503.00003", 1, document(many), 1000)
    async with papers.begin() as session:
        await ingest(session, [paper("2503.00009", "Amphibians", "A newt.")])
    assert await found(papers, "newt") == ["2503.00009", "2503.00003"]


async def test_a_new_full_text_replaces_the_indexed_body(papers) -> None:
    await store_document(papers, "2503.00001", 1, document(METHOD), 1000)
    other = Section("S1", "1", "Introduction", "Only tadpoles here.")
    await store_document(papers, "2503.00001", 1, document(other), 1000)
    assert await found(papers, "axolotl") == ["2503.00002"]
    assert await found(papers, "tadpoles") == ["2503.00001"]


async def test_a_failed_fetch_leaves_the_body_out_and_the_paper_found(papers) -> None:
    await store_document(papers, "2503.00001", 1, document(METHOD), 1000)
    failed = Outcome(FullTextStatus.FAILED, "html", "connection cut", None, 0)
    await record(papers, "2503.00001", 1, failed)
    assert await found(papers, "axolotl") == ["2503.00002"]
    assert await found(papers, "salamander") == ["2503.00001"]


async def test_only_the_current_version_s_body_is_indexed(papers) -> None:
    await store_document(papers, "2503.00001", 1, document(METHOD), 1000)
    async with papers.begin() as session:
        await ingest(session, [paper("2503.00001", "Salamander regeneration", "Limbs.", 2)])
    assert await found(papers, "axolotl") == ["2503.00002"]


async def test_bodies_are_left_out_when_the_setting_is_off(papers, monkeypatch) -> None:
    await store_document(papers, "2503.00001", 1, document(METHOD), 1000)
    async with papers.begin() as session:
        await index_papers(session, ["2503.00001"], bodies=False)
    assert await found(papers, "axolotl", bodies=False) == ["2503.00002"]
    await rebuild_index(papers, bodies=True)
    assert await found(papers, "axolotl") == ["2503.00002", "2503.00001"]
    await rebuild_index(papers, bodies=False)
    assert await found(papers, "axolotl") == ["2503.00002"]


async def test_has_code_keeps_papers_with_a_code_link(papers) -> None:
    link = CodeLink("https://github.com/example/limbs", "github.com", own=True)
    await record(
        papers,
        "2503.00003",
        1,
        Outcome(FullTextStatus.OK, "html", None, document(Section("S1", "1", "Intro", "x")), 10),
    )
    async with papers.begin() as session:
        await session.execute(
            update(PaperFullText)
            .where(PaperFullText.paper_id == "2503.00003")
            .values(code_links=[{"url": link.url, "host": link.host, "own": True}])
        )
    assert sorted(await found(papers, "limbs")) == ["2503.00001", "2503.00002", "2503.00003"]
    assert await found(papers, "limbs has:code") == ["2503.00003"]
    assert await found(papers, "has:code") == ["2503.00003"]  # a filter alone: newest first
    async with papers.begin() as session:  # a new version has no code links yet
        await ingest(session, [paper("2503.00003", "Frogs", "Frogs do not regrow limbs.", 2)])
    assert await found(papers, "limbs has:code") == []


def test_has_code_parses_as_a_filter_and_anything_else_as_words() -> None:
    assert parse_query("has:code limbs").has_code
    assert parse_query("HAS:Code").has_code and parse_query("has:code").has_filters
    for text in ("has:data", "-has:code", 'has:"code"'):
        query = parse_query(text)
        assert not query.has_code and query.has_text, text


def test_a_snippet_is_a_few_lines_around_the_first_match() -> None:
    text = f"{LONG}\n\nFirst line\nof the axolotl paragraph, {LONG}\n\nNext."
    start = text.index("axolotl")
    cut, spans = snippet(text, [(start, start + 7), (len(text) - 5, len(text) - 1)])
    assert cut.startswith("First line of the") and cut.endswith(ELLIPSIS)  # its paragraph
    assert len(cut) <= SNIPPET_CHARS + 2 and "\n" not in cut
    assert [cut[s:e] for s, e in spans] == ["axolotl"]
    assert "Next" not in cut and "of the axolotl paragraph" in cut
    inside = f"{LONG} an axolotl {LONG}"
    cut, spans = snippet(inside, [(inside.index("axolotl"), inside.index("axolotl") + 7)])
    assert cut.startswith(ELLIPSIS) and cut.endswith(ELLIPSIS) and len(cut) <= SNIPPET_CHARS + 2
    assert [cut[s:e] for s, e in spans] == ["axolotl"] and not cut[1].isspace()
    whole, spans = snippet("An axolotl.", [(3, 10)])
    assert (whole, spans) == ("An axolotl.", [(3, 10)])
    assert snippet("text", []) == ("", [])


def test_api_search_finds_a_paper_by_a_word_only_in_its_body(settings) -> None:
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.portal is not None
        sessions = app.state.sessions
        client.portal.call(add_papers, sessions)
        before = client.get("/api/search", params={"q": "axolotl sample"}).json()
        assert before["results"] == []
        client.portal.call(store_document, sessions, "2503.00001", 1, document(METHOD), 1000)
        data = client.get("/api/search", params={"q": "axolotl sample"}).json()
        (result,) = data["results"]
        assert result["id"] == "2503.00001" and result["matched"] == ["body"]
        body = result["body"]
        assert body["section"] == {
            "anchor": "S3.SS2",
            "number": "3.2",
            "title": "Sampling the axolotl",
        }
        marked = [body["snippet"][s:e] for s, e in body["highlights"]]
        assert marked == ["sample", "axolotl"]
        assert LONG not in body["snippet"]
        title = client.get("/api/search", params={"q": "axolotl"}).json()["results"][0]
        assert title["matched"] == ["title", "abstract"] and title["body"] is None
        page = client.get("/search", params={"q": "axolotl sample"}).text
        assert "§3.2 Sampling the axolotl" in page
        assert "<mark>sample</mark> every <mark>axolotl</mark>" in page
        assert LONG not in page


def test_the_description_names_the_matched_fields(settings) -> None:
    with TestClient(create_app(settings)) as client:
        spec = client.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/search"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    result = schema["properties"]["results"]["items"]
    assert result["properties"]["matched"]["items"]["enum"] == [
        "title",
        "abstract",
        "authors",
        "body",
    ]
    assert "has:code" in operation["parameters"][0]["description"]

"""The search page and /api/search over the sample archive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from crawler.records import AuthorRecord, PaperRecord
from models.db import create_engine, session_factory
from models.settings import Settings
from search.query import MAX_CATEGORIES, MAX_TERMS
from tests.indexed import ingest
from tests.search.test_query import letters
from web.app import create_app

XSS = '<script>alert("x")</script> Adversarial zebrafish & <b>friends</b>'


@pytest.fixture
def client(sample_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(sample_settings)) as test_client:
        yield test_client


def test_api_search_answers_results_with_highlight_spans(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "entanglement", "limit": 5})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] >= len(data["results"]) > 0
    assert data["spans"] == "characters"
    assert len(data["results"]) <= 5
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
    for result in data["results"]:
        assert set(result) >= {"id", "title", "authors", "date", "score", "highlights"}
        marked = [result["title"][s:e] for s, e in result["highlights"]["title"]]
        marked += [result["abstract"][s:e] for s, e in result["highlights"]["abstract"]]
        assert marked and all(m.lower().startswith("entanglement") for m in marked)


def test_api_search_pages_and_filters(client: TestClient) -> None:
    everything = client.get("/api/search", params={"q": "the", "limit": 200}).json()
    page = client.get("/api/search", params={"q": "the", "limit": 10, "offset": 10}).json()
    assert page["total"] == everything["total"]
    assert [r["id"] for r in page["results"]] == [r["id"] for r in everything["results"][10:20]]
    dated = client.get(
        "/api/search",
        params={"q": "the", "from": "2024-01-01", "until": "2024-12-31", "sort": "date"},
    ).json()
    days = [r["date"] for r in dated["results"]]
    assert days and all("2024-01-01" <= d <= "2024-12-31" for d in days)
    assert days == sorted(days, reverse=True)
    in_category = client.get(
        "/api/search", params={"q": "learning", "category": "cs.LG,cs.AI", "limit": 200}
    ).json()
    assert in_category["results"]
    assert all({"cs.LG", "cs.AI"} & set(r["categories"]) for r in in_category["results"])


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "ten"},
        {"limit": "0"},
        {"offset": "-1"},
        {"sort": "random"},
        {"from": "yesterday"},
        {"category": "c++"},
    ],
)
def test_api_search_rejects_malformed_parameters(client: TestClient, params) -> None:
    response = client.get("/api/search", params={"q": "graph", **params})
    assert response.status_code == 400
    assert response.json()["error"].split(":")[0] in params


def categories(count: int) -> str:
    return ",".join(f"cs.{letters(i).upper()}" for i in range(count))


@pytest.mark.parametrize("count", [MAX_CATEGORIES + 1, 500])
def test_too_many_categories_are_a_400_that_says_the_limit(client: TestClient, count) -> None:
    response = client.get("/api/search", params={"q": "graph", "category": categories(count)})
    assert response.status_code == 400
    assert response.json()["error"] == (
        f"category: at most {MAX_CATEGORIES} categories, {count} given"
    )
    repeated = [("q", ""), *(("category", c) for c in categories(count).split(","))]
    page = client.get("/search", params=repeated)
    assert page.status_code == 400
    assert f"at most {MAX_CATEGORIES} categories" in page.text


def test_as_many_categories_as_allowed_are_answered(client: TestClient) -> None:
    wanted = categories(MAX_CATEGORIES - 1) + ",cs.LG"
    data = client.get("/api/search", params={"q": "learning", "category": wanted}).json()
    assert data["results"] and all("cs.LG" in r["categories"] for r in data["results"])
    assert client.get("/search", params={"q": "learning", "category": wanted}).status_code == 200


def test_category_filters_in_the_query_are_cut_like_words(client: TestClient) -> None:
    q = " ".join(f"cat:x{letters(i)} -cat:y{letters(i)}" for i in range(400))
    response = client.get("/api/search", params={"q": q})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert client.get("/search", params={"q": q}).status_code == 200
    kept = " ".join(f"-cat:x{letters(i)}" for i in range(MAX_TERMS - 2))
    data = client.get("/api/search", params={"q": f"{kept} learning cat:cs.LG"}).json()
    assert data["results"] and all("cs.LG" in r["categories"] for r in data["results"])


@pytest.mark.parametrize(
    "q", ['"unclosed', "OR", "-", "ti:", 'NEAR("a" b)*', "\x00\ud7ff", "x" * 10_000, "🙂" * 500]
)
def test_any_query_text_is_answered(client: TestClient, q: str) -> None:
    assert client.get("/api/search", params={"q": q}).status_code == 200
    assert client.get("/search", params={"q": q}).status_code == 200


def add_xss_paper(settings: Settings) -> None:
    import asyncio

    async def go() -> None:
        engine = create_engine(settings=settings)
        async with session_factory(engine).begin() as session:
            await ingest(
                session,
                [
                    PaperRecord(
                        arxiv_id="2502.00001",
                        version=1,
                        title=XSS,
                        abstract="The <i>zebrafish</i> & its <script>friends</script>.",
                        authors=(AuthorRecord("Mallory <img src=x>"),),
                        primary_category="cs.CR",
                        categories=("cs.CR",),
                        published=dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
                    )
                ],
            )
        await engine.dispose()

    asyncio.run(go())


def test_the_page_marks_matches_and_escapes_everything(sample_settings: Settings) -> None:
    with TestClient(create_app(sample_settings)) as client:
        add_xss_paper(sample_settings)
        response = client.get("/search", params={"q": "zebrafish"})
    assert response.status_code == 200
    body = response.text
    assert "<script>alert" not in body and "<b>friends" not in body and "<img src=x>" not in body
    assert str(escape(XSS)).replace("zebrafish", "<mark>zebrafish</mark>") in body
    assert "The &lt;i&gt;<mark>zebrafish</mark>&lt;/i&gt; &amp; its" in body
    assert "1 paper" in body


def test_the_page_pages_through_results(client: TestClient) -> None:
    first = client.get("/search", params={"q": "the"})
    assert first.status_code == 200
    assert first.text.count('class="paper search-result"') == 20
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = client.get("/search", params={"q": "the", "offset": "20"})
    assert 'rel="prev"' in second.text
    assert client.get("/search").status_code == 200


def test_the_paper_page_lists_related_papers(client: TestClient) -> None:
    related = client.get("/api/papers/0705.0026/related", params={"limit": "3"}).json()["related"]
    assert 0 < len(related) <= 3
    assert "0705.0026" not in [r["id"] for r in related]
    page = client.get("/arxiv/0705.0026").text
    assert all(f'href="/arxiv/{r["id"]}"' in page for r in related)

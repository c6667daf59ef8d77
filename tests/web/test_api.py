"""The JSON API, its OpenAPI document, BibTeX and the Atom feeds."""

from __future__ import annotations

import feedparser
import pytest
from openapi_spec_validator import validate

from tests.web.data import CY_ID, MATH_ID, REPLACED_ID, XSS_ID, XSS_TITLE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_list_api(client):
    data = client.get("/api/list/cs.AI+cs.LG-cs.CY").json()
    assert data["expression"] == "cs.AI+cs.LG-cs.CY"
    assert (data["categories"], data["exclude"]) == (["cs.AI", "cs.LG"], ["cs.CY"])
    assert data["date"] == "2024-11-28" and data["previous_date"] == "2024-11-27"
    assert data["next_date"] is None
    ids = [p["id"] for p in data["papers"]]
    assert CY_ID not in ids and MATH_ID in ids
    first = data["papers"][0]
    assert first["announce_type"] == "new"
    assert first["html_url"] == f"https://arxiv.org/html/{MATH_ID}v1"
    assert data["type_counts"] == {"new": 3, "cross": 1, "replace": 1}


def test_list_api_takes_the_list_parameters(client):
    older = client.get("/api/list/cs.AI", params={"date": "2024-11-27"}).json()
    assert [p["id"] for p in older["papers"]] == ["2411.09001"]
    matching = client.get("/api/list/cs.AI", params={"include": "transformer", "only": "1"}).json()
    assert matching["matching"] == 2 and len(matching["papers"]) == 2
    assert all(p["matches"] for p in matching["papers"])
    assert client.get("/api/list/cs.AI", params={"date": "yesterday"}).status_code == 400
    missing = client.get("/api/list/nope.XX")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404


def test_paper_api(client):
    data = client.get(f"/api/papers/{MATH_ID}").json()
    assert data["title"] == r"Attention in $O(n \log n)$ time"
    assert data["authors"] == ["Ada Lovelace", r"Erwin Schr\"odinger"]
    assert data["versions"][0]["version"] == 1
    assert "title_html" not in data
    html = client.get(f"/api/papers/{MATH_ID}?html=1").json()
    assert "<math" in html["title_html"]
    xss = client.get(f"/api/papers/{XSS_ID}?html=1").json()
    assert xss["title"] == XSS_TITLE
    assert "<script>" not in xss["title_html"] and "&lt;script&gt;" in xss["title_html"]
    assert client.get("/api/papers/2401.99999").status_code == 404
    assert client.get("/api/papers/nonsense").status_code == 404


def test_several_papers_in_the_order_asked(client):
    data = client.get("/api/papers", params={"ids": f"{XSS_ID},{MATH_ID},2401.99999"}).json()
    assert [p["id"] for p in data["papers"]] == [XSS_ID, MATH_ID]
    assert data["missing"] == ["2401.99999"]
    assert client.get("/api/papers").status_code == 400


def test_bibtex(client):
    response = client.get("/api/bibtex", params={"ids": f"{MATH_ID},{REPLACED_ID}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-bibtex")
    text = response.text
    assert text.count("@misc{") == 2
    assert "@misc{lovelace2024attention," in text
    assert "title = {{Attention in $O(n \\log n)$ time}}" in text
    assert 'author = {Ada Lovelace and Erwin Schr\\"odinger}' in text
    assert f"eprint = {{{MATH_ID}}}" in text and "archivePrefix = {arXiv}" in text
    assert "primaryClass = {cs.AI}" in text and "doi = {10.1234/example}" in text
    assert text.count("{") == text.count("}")
    assert client.get("/api/bibtex").status_code == 400
    assert client.get("/api/bibtex", params={"ids": "2401.99999"}).status_code == 404


def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "status": 404}


def test_openapi_document_is_valid_openapi_3(client):
    document = client.get("/api/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert {
        "/api/list/{categories}",
        "/api/papers/{arxiv_id}",
        "/api/bibtex",
        "/api/search",
        "/api/papers/{arxiv_id}/summary",
    } <= set(document["paths"])


def test_list_feed_is_atom_with_the_list_entries(client):
    response = client.get("/arxiv/cs.AI+cs.LG-cs.CY/feed")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "coolpapers: cs.AI, cs.LG − cs.CY"
    ids = [e.id.removeprefix("https://arxiv.org/abs/") for e in feed.entries]
    listed = [p["id"] for p in client.get("/api/list/cs.AI+cs.LG-cs.CY").json()["papers"]]
    assert [i.rsplit("v", 1)[0] for i in ids] == listed
    math = feed.entries[0]
    assert math.title == r"Attention in $O(n \log n)$ time"
    assert [a.name for a in math.authors] == ["Ada Lovelace", "Erwin Schrödinger"]
    assert [t.term for t in math.tags] == ["cs.AI", "cs.LG"]
    assert math.link.endswith(f"/arxiv/{MATH_ID}")
    assert "costs $5" in math.summary
    xss = next(e for e in feed.entries if XSS_ID in e.id)
    assert xss.title == XSS_TITLE


def test_list_feed_follows_keywords_and_days(client):
    feed = feedparser.parse(client.get("/arxiv/cs.AI/feed?include=transformer").content)
    assert len(feed.entries) == 2
    assert "[transformer]" in feed.feed.title
    older = feedparser.parse(client.get("/arxiv/cs.AI/feed?date=2024-11-26").content)
    assert [e.title for e in older.entries] == ["An early paper on planning"]
    assert client.get("/arxiv/nope.XX/feed").status_code == 404


def test_search_feed_is_a_valid_feed(client):
    feed = feedparser.parse(client.get("/arxiv/search/feed?query=transformer").content)
    assert not feed.bozo
    assert feed.feed.title == "coolpapers search: transformer"


def test_empty_archive(empty_client):
    assert empty_client.get("/").status_code == 200
    response = empty_client.get("/arxiv/cs.AI")
    assert response.status_code == 200 and "No papers for this day." in response.text
    feed = feedparser.parse(empty_client.get("/arxiv/cs.AI/feed").content)
    assert not feed.bozo and feed.entries == []


@pytest.mark.search_index
def test_search_feed_lists_what_the_search_finds(filled_settings):
    import asyncio

    from starlette.testclient import TestClient

    from models.db import create_engine, session_factory
    from web.app import create_app

    search = pytest.importorskip("search")

    async def index() -> None:
        engine = create_engine(settings=filled_settings)
        try:
            await search.rebuild_index(session_factory(engine))
        finally:
            await engine.dispose()

    asyncio.run(index())
    with TestClient(create_app(filled_settings)) as client:
        feed = feedparser.parse(client.get("/arxiv/search/feed?query=fairness").content)
    assert not feed.bozo
    assert [e.id for e in feed.entries] == [f"https://arxiv.org/abs/{CY_ID}v1"]

"""The venue branch over an archive holding the real ACL, CCL and COLT files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import feedparser
from sqlalchemy import func, select
from starlette.testclient import TestClient

from models.db import create_engine, session_factory
from models.schema import Paper, VenuePaper
from models.settings import Settings
from tests.indexed import import_venues
from tests.venues.conftest import ACL, CCL


def test_venues_index_groups_by_field_with_counts(client: TestClient) -> None:
    page = client.get("/venue").text
    assert "Natural language processing" in page and "Learning theory" in page
    assert 'href="/venue/ACL.2024">ACL 2024</a> <span class="count">30</span>' in page
    assert 'href="/venue/COLT.2024">COLT 2024</a> <span class="count">20</span>' in page
    home = client.get("/").text
    assert "venue.ACL.2024" not in home  # not an arXiv category


def test_venue_list_filters_by_track_and_keywords(client: TestClient) -> None:
    page = client.get("/venue/COLT.2024").text
    assert page.count('class="paper venue-paper') == 20
    problems = client.get("/venue/COLT.2024", params={"track": "Open Problems"}).text
    assert problems.count('class="paper venue-paper') == 2
    only = client.get("/venue/ACL.2024", params={"include": "multimodal", "only": "1"}).text
    assert 0 < only.count('class="paper venue-paper') < 30
    assert "Unsupervised Multimodal Clustering" in only


def test_unknown_venue_is_a_404_listing_the_known_ones(client: TestClient) -> None:
    response = client.get("/api/venue/ICLR.2024")
    assert response.status_code == 404
    body = response.json()
    assert "ACL.2024" in body["error"] and body["known"] == ["ACL.2024", "CCL.2023", "COLT.2024"]
    assert client.get("/venue/NOPE").status_code == 404


def test_api_venue_answers_the_papers(client: TestClient) -> None:
    data = client.get("/api/venue/acl.2024").json()
    assert data["venue"] == "ACL.2024" and len(data["papers"]) == 30
    first = data["papers"][0]
    assert set(first) == {
        "id",
        "title",
        "authors",
        "abstract",
        "track",
        "decision",
        "pdf_url",
        "arxiv_id",
    }
    assert first["id"] == "acl:2024.acl-long.1" and first["track"] == "long"
    mage = next(p for p in data["papers"] if p["id"] == "acl:2024.acl-long.3")
    assert mage["arxiv_id"] == "2305.13242"


def test_api_paper_of_a_venue(client: TestClient) -> None:
    data = client.get("/api/papers/pmlr:v247/bresler24a").json()
    assert data["venue"] == "COLT.2024" and data["pages"] == "632-647"
    assert data["authors"] == ["Guy Bresler", "Chenghao Guo", "Yury Polyanskiy"]
    assert data["abs_url"] == "https://proceedings.mlr.press/v247/bresler24a.html"
    acl = client.get("/api/papers/acl:2024.acl-long.2").json()
    assert acl["code_links"][0]["url"] == "https://github.com/thuiar/UMC"
    assert client.get("/api/papers/acl:2024.acl-long.999").status_code == 404


def test_paper_pages_link_the_arxiv_and_venue_versions_both_ways(client: TestClient) -> None:
    venue_page = client.get("/venue/acl:2024.acl-long.3").text
    assert 'href="/arxiv/2305.13242"' in venue_page
    arxiv_page = client.get("/arxiv/2305.13242").text
    assert 'href="/venue/acl:2024.acl-long.3"' in arxiv_page
    ccl = client.get("/venue/acl:2023.ccl-1.1").text
    assert "(王思远)" in ccl and "pp. 1–16" in ccl


def test_venue_feed(client: TestClient) -> None:
    response = client.get("/venue/CCL.2023/feed")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert len(feed.entries) == 30
    assert feed.entries[0].title.startswith("基于推理链的多跳问答")


def test_search_filters_by_venue_and_branch(client: TestClient) -> None:
    def ids(q: str) -> list[str]:
        return [r["id"] for r in client.get("/api/search", params={"q": q}).json()["results"]]

    both = ids("machine generated text detection")
    assert "2305.13242" in both and "acl:2024.acl-long.3" in both
    assert ids("machine generated text detection venue:ACL.2024") == ["acl:2024.acl-long.3"]
    assert ids("machine generated text detection branch:arxiv") == ["2305.13242"]
    assert "2305.13242" not in ids("machine generated text detection branch:venue")
    assert ids("hypergraph venue:ACL.2024") == []
    assert "pmlr:v247/bresler24a" in ids("hypergraph venue:COLT.2024")


def _count(settings: Settings, model) -> int:
    async def go() -> int:
        engine = create_engine(settings=settings)
        try:
            async with session_factory(engine)() as session:
                return await session.scalar(select(func.count()).select_from(model))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_import_again_changes_nothing_and_a_bad_source_loses_nothing(
    venue_settings: Settings, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.xml"
    cut.write_bytes(ACL.read_bytes()[:20000])
    before = _count(venue_settings, VenuePaper)

    async def go():
        engine = create_engine(settings=venue_settings)
        try:
            return await import_venues(session_factory(engine), [cut, CCL, tmp_path])
        finally:
            await engine.dispose()

    result = asyncio.run(go())
    assert [s.error is not None for s in result.sources] == [True, False, True]
    assert "malformed XML" in result.sources[0].error
    assert "no _config.yml" in result.sources[2].error
    assert result.sources[1].counts.unchanged == 30 and result.sources[1].counts.new == 0
    assert _count(venue_settings, VenuePaper) == before == 80
    assert _count(venue_settings, Paper) == 81


def test_duplicate_keys_across_sources_are_named(settings: Settings, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xml"
    copy.write_bytes(CCL.read_bytes())

    async def go():
        engine = create_engine(settings=settings)
        try:
            return await import_venues(session_factory(engine), [CCL, copy])
        finally:
            await engine.dispose()

    result = asyncio.run(go())
    assert result.sources[1].papers == 0 and result.sources[1].counts.failed == 30
    assert "acl:2023.ccl-1.1 was already given by another source" in result.sources[1].problems[0]

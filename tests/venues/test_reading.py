"""Venue lists read like arXiv lists: the reading tools, the arXiv filter, the FAQ, related
papers and counters on venue ids, and a summary shared with an agreeing arXiv version."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from models.db import create_engine, session_factory
from models.schema import Paper
from models.settings import Settings
from venues.names import parse_paper_id
from venues.text import versions_agree

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
MAGE = "acl:2024.acl-long.3"  # ACL 2024's third paper, also on arXiv as 2305.13242
TWIN = "2305.13242"
COLT = "pmlr:v247/bresler24a"


def listed(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-id="')[1:]]


def test_paper_ids_of_both_branches_parse() -> None:
    assert parse_paper_id("2401.01234v2") == "2401.01234"
    assert parse_paper_id(COLT) == COLT
    assert parse_paper_id("acl:P17-1002") == "acl:P17-1002"
    for bad in ("nope:x", "acl:", "acl:a/b/c", "acl:x y", "2401"):
        with pytest.raises(ValueError):
            parse_paper_id(bad)


def test_versions_agree_on_the_same_abstract_edited_a_little() -> None:
    text = " ".join(f"word{i}" for i in range(40))
    assert versions_agree(text, text.replace("word5 ", "term5 "))
    assert not versions_agree(text, "a different abstract altogether")
    assert versions_agree(None, "anything")  # the venue gives no abstract to disagree with
    assert not versions_agree(text, "")


def test_a_venue_list_has_the_reading_tools_of_the_arxiv_lists(client: TestClient) -> None:
    page = client.get("/venue/ACL.2024").text
    for marker in ("data-faq-template", "data-seen-tools", "data-for-you", "data-keyword-form",
                   'src="/static/summary.js"'):  # fmt: skip
        assert marker in page, marker
    assert page.count('class="paper venue-paper') == 30
    assert f'<a href="/venue/{MAGE}">' in page and 'data-version="1"' in page
    assert 'class="link-arxiv" href="/arxiv/2305.13242"' in page


def test_keyword_bar_keeps_the_filters(client: TestClient) -> None:
    page = client.get("/venue/COLT.2024", params={"track": "Open Problems", "include": "bandit"})
    assert page.status_code == 200
    assert '<input type="hidden" name="track" value="Open Problems">' in page.text
    assert 'class="kw-clear" data-keyword-clear href="/venue/COLT.2024?track=Open+Problems"' in (
        page.text
    )
    assert "of 2 papers match" in page.text


def test_the_arxiv_filter_shows_or_hides_the_papers_also_on_arxiv(client: TestClient) -> None:
    only = client.get("/venue/ACL.2024", params={"arxiv": "only"}).text
    assert listed(only.split('class="papers venue-papers"')[1]) == [MAGE]
    hidden = client.get("/venue/ACL.2024", params={"arxiv": "hide"}).text
    ids = listed(hidden.split('class="papers venue-papers"')[1])
    assert len(ids) == 29 and MAGE not in ids
    api = client.get("/api/venue/ACL.2024", params={"arxiv": "only"}).json()
    assert [p["id"] for p in api["papers"]] == [MAGE]
    bad = client.get("/venue/ACL.2024", params={"arxiv": "maybe"})
    assert bad.status_code == 400 and "arxiv must be one of only, hide" in bad.text
    assert client.get("/api/venue/ACL.2024", params={"arxiv": "x"}).status_code == 400


def test_the_venue_paper_page_has_its_faq_panel(client: TestClient) -> None:
    page = client.get(f"/venue/{COLT}").text
    assert f'data-api="/api/papers/{COLT}/summary"' in page
    assert 'src="/static/summary.js"' in page


def test_summary_related_and_counters_answer_on_venue_ids(client: TestClient) -> None:
    summary = client.get(f"/api/papers/{COLT}/summary")
    assert summary.status_code == 200, summary.text
    assert summary.json()["paper"] == COLT and summary.json()["faq"]
    assert "shared_from" not in summary.json()
    assert client.get("/api/papers/acl:2024.acl-long.999/summary").status_code == 404
    assert client.get("/api/papers/nope:1/summary").status_code == 404
    fragment = client.get(f"/fragments/related/{COLT}")
    assert fragment.status_code == 200 and "related" in fragment.text
    related = client.get(f"/api/papers/{COLT}/related").json()["related"]
    assert all(r["id"] != COLT for r in related)
    body = {"paper": COLT, "kind": "faq", "browser": "b" * 32}
    assert client.post("/api/events", json=body, headers=SAME_SITE).status_code == 202
    ranked = client.post(
        "/api/foryou", json={"starred": [COLT], "candidates": [MAGE, "pmlr:v247/addanki24a"]}
    ).json()
    assert ranked["ignored"] == 0 and {r["id"] for r in ranked["ranked"]} <= {
        MAGE,
        "pmlr:v247/addanki24a",
    }


def _agree(settings: Settings) -> None:
    """Give the arXiv twin the venue paper's abstract with a word changed."""

    async def run() -> None:
        engine = create_engine(settings=settings)
        try:
            async with session_factory(engine).begin() as session:
                venue = await session.get(Paper, MAGE)
                assert venue is not None and venue.abstract
                edited = venue.abstract.replace("text", "texts", 1)
                await session.execute(update(Paper).where(Paper.id == TWIN).values(abstract=edited))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _done(stream_text: str) -> dict:
    event = stream_text.split("event: done\ndata: ", 1)[1].split("\n", 1)[0]
    return json.loads(event)


def test_a_venue_paper_shows_the_summary_of_its_agreeing_arxiv_version(
    client: TestClient, venue_settings: Settings
) -> None:
    own = client.get(f"/api/papers/{MAGE}/summary").json()  # the versions disagree: its own
    assert own["paper"] == MAGE and "shared_from" not in own
    assert client.get(f"/api/papers/{TWIN}/summary").status_code == 200  # the twin's, complete
    assert "shared_from" not in client.get(f"/api/papers/{MAGE}/summary").json()
    _agree(venue_settings)
    shared = client.get(f"/api/papers/{MAGE}/summary").json()
    assert shared["paper"] == TWIN and shared["shared_from"] == TWIN
    assert shared["label"].startswith(f"The FAQ of the arXiv version {TWIN}")
    streamed = client.post(f"/api/papers/{MAGE}/summary/stream", headers=SAME_SITE)
    assert streamed.status_code == 200
    done = _done(streamed.text)
    assert done["paper"] == TWIN and done["shared_from"] == TWIN
    # a venue paper whose twin has no summary in that language still gets its own
    chinese = client.get(f"/api/papers/{MAGE}/summary", params={"lang": "zh"}).json()
    assert chinese["paper"] == MAGE and "shared_from" not in chinese

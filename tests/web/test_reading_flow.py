"""The reading flow's server side: papers fetched from arXiv on demand, papers.cool's
addresses, the related papers as a fragment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from models.settings import Settings
from retry import FakeClock
from tests.fakearxiv import FakeArxiv
from tests.fakearxiv.server import Stall, Status
from tests.web.data import MATH_ID
from web import ondemand
from web.app import create_app

KNOWN_TO_ARXIV = "1605.08386"
UNKNOWN_TO_ARXIV = "2401.99999"


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as fake:
        yield fake


def on_demand_client(
    settings: Settings, arxiv: FakeArxiv, clock: FakeClock, *, off: bool = False
) -> TestClient:
    settings.ARXIV_API_BASE = arxiv.url + "/api"
    settings.FETCH_ON_DEMAND = settings.FETCH_ON_DEMAND or not off
    app = create_app(settings, clock=clock, arxiv_options={"clock": clock, "sleep": clock.asleep})
    client = TestClient(app)
    client.__enter__()
    return client


def settle(client: TestClient, paper_id: str) -> None:
    assert client.portal is not None
    client.portal.call(client.app.state.on_demand.wait, paper_id)


def test_a_paper_the_archive_lacks_is_fetched_from_arxiv(filled_settings, arxiv):
    client = on_demand_client(filled_settings, arxiv, FakeClock())
    with client:
        first = client.get(f"/arxiv/{KNOWN_TO_ARXIV}")
        assert first.status_code == 202
        assert "fetching it from arXiv" in first.text
        assert first.headers["cache-control"] == "no-store"
        assert '<meta http-equiv="refresh"' in first.text
        again = client.get(f"/arxiv/{KNOWN_TO_ARXIV}")  # a second reader joins the look-up
        assert again.status_code in (200, 202)
        settle(client, KNOWN_TO_ARXIV)
        page = client.get(f"/arxiv/{KNOWN_TO_ARXIV}")
        assert page.status_code == 200
        assert f'data-paper="{KNOWN_TO_ARXIV}"' in page.text
    lookups = [r for r in arxiv.seen("/api/query") if KNOWN_TO_ARXIV in r.query.get("id_list", "")]
    assert len(lookups) == 1


def test_an_id_arxiv_does_not_know_is_a_404_that_says_so(filled_settings, arxiv):
    client = on_demand_client(filled_settings, arxiv, FakeClock())
    with client:
        assert client.get(f"/arxiv/{UNKNOWN_TO_ARXIV}").status_code == 202
        settle(client, UNKNOWN_TO_ARXIV)
        gone = client.get(f"/arxiv/{UNKNOWN_TO_ARXIV}")
        assert gone.status_code == 404
        assert f"arXiv has no paper {UNKNOWN_TO_ARXIV}" in gone.text
        # remembered: arXiv is not asked again
        assert client.get(f"/arxiv/{UNKNOWN_TO_ARXIV}").status_code == 404
    assert len(arxiv.seen("/api/query")) == 1


def test_arxiv_failing_is_a_503_then_tried_again(filled_settings, arxiv):
    clock = FakeClock()
    client = on_demand_client(filled_settings, arxiv, clock)
    rule = arxiv.inject(Status(500), path="/api/query", times=None)
    with client:
        assert client.get(f"/arxiv/{KNOWN_TO_ARXIV}").status_code == 202
        settle(client, KNOWN_TO_ARXIV)
        failed = client.get(f"/arxiv/{KNOWN_TO_ARXIV}")
        assert failed.status_code == 503
        assert "could not be fetched from arXiv" in failed.text
        assert "retry-after" in failed.headers
        arxiv.clear_faults()
        del rule
        clock.advance(ondemand.RETRY_AFTER + 1)
        assert client.get(f"/arxiv/{KNOWN_TO_ARXIV}").status_code == 202
        settle(client, KNOWN_TO_ARXIV)
        assert client.get(f"/arxiv/{KNOWN_TO_ARXIV}").status_code == 200


def test_a_client_starts_a_limited_number_of_look_ups(filled_settings, arxiv):
    client = on_demand_client(filled_settings, arxiv, FakeClock())
    with client:
        for n in range(ondemand.CLIENT_LIMIT):
            assert client.get(f"/arxiv/2402.{n:05d}").status_code == 202
        refused = client.get("/arxiv/2402.09999")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        # joining a look-up already asked for is not counted
        assert client.get("/arxiv/2402.00000").status_code in (202, 404)


def test_fetching_on_demand_can_be_turned_off(filled_settings, arxiv):
    client = on_demand_client(filled_settings, arxiv, FakeClock(), off=True)
    with client:
        response = client.get(f"/arxiv/{KNOWN_TO_ARXIV}")
    assert response.status_code == 404
    assert arxiv.seen("/api/query") == []


def test_papers_cool_search_address_serves_the_search_page(client):
    moved = client.get("/arxiv/search?highlight=1&query=transformer", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/search?q=transformer"
    page = client.get("/arxiv/search?query=transformer")
    assert page.status_code == 200
    assert 'value="transformer"' in page.text
    assert client.get("/arxiv/search/feed?query=transformer").status_code == 200


def test_papers_cool_faq_address_opens_the_paper_faq(client):
    moved = client.get(f"/arxiv/kimi?paper={MATH_ID}", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/arxiv/{MATH_ID}#faq"
    assert client.get("/arxiv/kimi?paper=nonsense").status_code == 404


def test_related_papers_fragment(client):
    fragment = client.get(f"/fragments/related/{MATH_ID}")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "related-list" in fragment.text or "No related papers" in fragment.text
    assert client.get("/fragments/related/2401.99999").status_code == 404
    assert client.get("/fragments/related/nonsense").status_code == 404


def test_shutting_down_stops_the_look_ups_before_the_database(filled_settings, arxiv, monkeypatch):
    from sqlalchemy.ext.asyncio import AsyncEngine

    arxiv.inject(Stall(), path="/api/query", times=None)  # arXiv never answers
    running_at_dispose: list[int] = []
    dispose = AsyncEngine.dispose

    async def record(engine: AsyncEngine, close: bool = True) -> None:
        running_at_dispose.append(sum(not t.done() for t in tasks))
        await dispose(engine, close)

    monkeypatch.setattr(AsyncEngine, "dispose", record)
    client = on_demand_client(filled_settings, arxiv, FakeClock())
    with client:
        for n in range(3):
            assert client.get(f"/arxiv/2402.{n:05d}").status_code == 202
        tasks = list(client.app.state.on_demand._tasks.values())
        assert len(tasks) == 3
    assert running_at_dispose == [0]
    assert all(task.cancelled() for task in tasks)

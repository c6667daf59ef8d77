"""One way to fail a request: JSON to API clients, the error page to browsers, headers kept."""

from __future__ import annotations

import pytest

from tests.pg import databases


def test_api_errors_are_json_with_their_status(client):
    response = client.get("/api/papers/2401.99999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "no paper 2401.99999 in this archive", "status": 404}


def test_pages_answer_browsers_with_the_error_page_and_json_clients_with_json(client):
    page = client.get("/arxiv/nope.XX", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "is neither an arXiv id nor a category" in page.text
    data = client.get("/arxiv/nope.XX", headers={"accept": "application/json"})
    assert data.status_code == 404
    assert data.json() == {
        "error": "'nope.XX' is neither an arXiv id nor a category",
        "status": 404,
    }


def allowed(response) -> set[str]:
    return set(response.headers["allow"].split(", "))


def test_a_method_not_allowed_names_the_allowed_ones(client):
    api = client.post("/api/papers?ids=2401.00001")
    assert api.status_code == 405 and allowed(api) == {"GET", "HEAD"}
    assert api.json() == {"error": "Method Not Allowed", "status": 405}
    page = client.delete("/starred")
    assert page.status_code == 405 and allowed(page) == {"GET", "HEAD"}
    assert page.headers["content-type"].startswith("text/html")
    regenerate = client.get("/api/papers/2401.00001/summary/regenerate")
    assert regenerate.status_code == 405 and allowed(regenerate) == {"POST"}


def test_loosely_given_parameters_are_rejected_by_name(client):
    assert client.get("/api/papers?ids=2401.00001&html=yes").json()["error"].startswith("html")
    assert client.get("/api/list/cs.AI?only=on").json()["error"].startswith("only")
    assert client.get("/api/list/cs.AI?mode=AND").status_code == 400
    assert client.get("/api/list/cs.AI?date=20241128").status_code == 400
    assert client.get("/api/list/cs.AI?date=&types=&mode=&only=").status_code == 200
    assert client.get("/arxiv/search/feed?q=x&sort=best").status_code == 400
    assert client.get("/api/papers/2401.00001/summary?lang=").status_code == 400


def test_the_tokenizer_demo_has_one_api_path(client):
    assert client.get("/api/tokenize?text=ab").status_code == 200
    moved = client.get("/api/demos/tokenizer?text=ab")
    assert moved.status_code == 404 and "/api/tokenize" in moved.json()["error"]


@pytest.mark.postgresql_only
def test_a_lost_database_connection_is_a_503_and_the_next_request_reconnects(client, settings):
    assert client.get("/api/papers/2401.99999").status_code == 404  # a pooled connection
    assert databases.disconnect(settings.DATABASE_URL) >= 1
    lost = client.get("/api/papers/2401.99999")
    assert lost.status_code == 503
    assert lost.headers["retry-after"] == "5"
    assert lost.json()["error"].startswith("the database is unavailable")
    page = client.get("/arxiv/2401.99999", headers={"accept": "text/html"})
    assert page.status_code == 404  # the pool threw the dead connection away

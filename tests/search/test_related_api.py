"""``/api/papers/<id>/related`` and ``POST /api/foryou`` over the sample archive."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from models.settings import Settings
from web.app import create_app


@pytest.fixture
def client(sample_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(sample_settings)) as test_client:
        yield test_client


def test_related_papers_of_a_paper(client: TestClient) -> None:
    # 0705.0026 is about topological order in a quantum phase transition; one paper in thirty
    # of the sample archive has quant-ph as its primary category, and few more list it.
    response = client.get("/api/papers/0705.0026/related", params={"limit": "7"})
    assert response.status_code == 200
    related = response.json()["related"]
    assert len(related) == 7 and all(set(r) == {"id", "title", "score"} for r in related)
    assert client.get("/api/papers/0705.0026/related").json()["related"] == related[:5]
    assert related[0]["id"] == "0705.0007"
    assert "Topological Order" in related[0]["title"]
    for paper in related:
        assert "quant-ph" in client.get(f"/api/papers/{paper['id']}").json()["categories"]
    scores = [r["score"] for r in related]
    assert scores == sorted(scores, reverse=True) and "0705.0026" not in {r["id"] for r in related}


def test_related_papers_refuse_bad_input(client: TestClient) -> None:
    assert client.get("/api/papers/0705.0026/related", params={"limit": "0"}).status_code == 400
    assert client.get("/api/papers/0705.0026/related", params={"limit": "x"}).status_code == 400
    missing = client.get("/api/papers/2999.00001/related")
    assert missing.status_code == 404 and "2999.00001" in missing.json()["error"]
    assert client.get("/api/papers/nonsense/related").status_code == 404


def test_for_you_ranks_the_candidates(client: TestClient) -> None:
    ids = [
        p["id"]
        for p in client.get("/api/papers/0705.0026/related", params={"limit": "40"}).json()[
            "related"
        ]
    ]
    body = {"starred": [*ids[:5], "junk", 7, "2999.00001"], "candidates": [*ids[5:], "0705.0026"]}
    answer = client.post("/api/foryou", json=body)
    assert answer.status_code == 200
    result = answer.json()
    assert sorted(r["id"] for r in result["ranked"]) == sorted([*ids[5:], "0705.0026"])
    assert result["ignored"] == 3 and result["terms"]
    scores = [r["score"] for r in result["ranked"]]
    assert scores == sorted(scores, reverse=True)


def test_for_you_refuses_too_many_ids_and_bad_bodies(client: TestClient) -> None:
    many = client.post("/api/foryou", json={"starred": ["0705.0026"] * 501, "candidates": []})
    assert many.status_code == 400 and "500" in many.json()["error"]
    many = client.post("/api/foryou", json={"starred": [], "candidates": ["x"] * 5001})
    assert many.status_code == 400 and "5000" in many.json()["error"]
    assert client.post("/api/foryou", content=b"{not json").status_code == 400
    assert client.post("/api/foryou", json=[1, 2]).status_code == 400
    assert client.post("/api/foryou", json={"starred": "0705.0026"}).status_code == 400
    assert client.post("/api/foryou", json={}).json() == {"ranked": [], "terms": [], "ignored": 0}


def test_for_you_takes_the_most_candidates_beyond_the_usual_body_limit(client: TestClient) -> None:
    body = {"starred": ["0705.0026"], "candidates": ["0705.00260"[:9] + "1"] * 5000}
    assert len(str(body)) > 64 * 1024
    assert client.post("/api/foryou", json=body).status_code == 200
    assert client.post("/api/foryou", content=b"[" + b" " * 600_000 + b"]").status_code == 413

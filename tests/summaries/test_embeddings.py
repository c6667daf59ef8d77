"""Embeddings: the client against a local fake endpoint (faults included), ``coolpapers
embed`` storing a vector per paper, and the related papers blending them in."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli.embed import embed
from models.settings import Settings
from retry import FakeClock
from summaries.embeddings import EmbeddingsClient, EmbeddingsEndpoint, EmbeddingsError
from tests.summaries.fake_embeddings import fake_embeddings
from tests.web.data import CY_ID, fill_sync
from web.app import create_app

PLANNING_ID = "2411.08001"  # "An early paper on planning", cs.AI; CY_ID: "... policies", cs.CY


async def test_the_client_returns_the_vectors_in_order_and_retries_a_busy_endpoint():
    clock = FakeClock()
    with fake_embeddings(fail_first=2) as fake:
        endpoint = EmbeddingsEndpoint(fake.url, "tiny", api_key="secret")
        async with EmbeddingsClient(endpoint, clock=clock, sleep=clock.asleep) as client:
            vectors = await client.embed(["about planning", "about search", "policies"])
    assert vectors == [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    assert len(fake.requests) == 3 and len(clock.sleeps) == 2
    assert fake.requests[-1] == {
        "model": "tiny",
        "input": ["about planning", "about search", "policies"],
    }
    assert fake.authorizations[-1] == "Bearer secret"


async def test_a_malformed_answer_is_an_error_not_a_vector():
    with fake_embeddings(malformed=True) as fake:
        async with EmbeddingsClient(EmbeddingsEndpoint(fake.url, "tiny")) as client:
            with pytest.raises(EmbeddingsError):
                await client.embed(["one", "two"])
    assert len(fake.requests) == 1  # not tried again: it would answer the same


def related_ids(settings: Settings, paper_id: str) -> list[str]:
    with TestClient(create_app(settings)) as client:
        answer = client.get(f"/api/papers/{paper_id}/related?limit=50")
        assert answer.status_code == 200
        return [r["id"] for r in answer.json()["related"]]


def test_embed_stores_vectors_that_the_related_papers_blend_in(settings, monkeypatch):
    fill_sync(settings)
    assert CY_ID not in related_ids(settings, PLANNING_ID)  # no shared word nor category
    with fake_embeddings() as fake:
        monkeypatch.setenv("COOLPAPERS_EMBEDDINGS_BASE_URL", fake.url)
        monkeypatch.setenv("COOLPAPERS_EMBEDDINGS_MODEL", "tiny")
        result = CliRunner().invoke(embed, ["--batch-size", "3"])
        assert result.exit_code == 0, result.output
        assert "embedded 8 papers with tiny" in result.output
        assert [len(r["input"]) for r in fake.requests] == [3, 3, 2]
        again = CliRunner().invoke(embed, [])
        assert "embedded 0 papers" in again.output and len(fake.requests) == 3
    settings.EMBEDDINGS_BASE_URL = fake.url
    settings.EMBEDDINGS_MODEL = "tiny"
    assert related_ids(settings, PLANNING_ID)[0] == CY_ID  # alike by their vectors
    settings.EMBEDDINGS_MODEL = "another"  # vectors of another model are not used
    assert CY_ID not in related_ids(settings, PLANNING_ID)


def test_embed_says_what_is_missing_or_wrong(settings, monkeypatch):
    fill_sync(settings)
    monkeypatch.delenv("COOLPAPERS_EMBEDDINGS_BASE_URL", raising=False)
    missing = CliRunner().invoke(embed, [])
    assert missing.exit_code == 1 and "EMBEDDINGS_BASE_URL" in missing.output
    with fake_embeddings(malformed=True) as fake:
        monkeypatch.setenv("COOLPAPERS_EMBEDDINGS_BASE_URL", fake.url)
        failed = CliRunner().invoke(embed, [])
    assert failed.exit_code == 1 and "not a list of embeddings" in failed.output

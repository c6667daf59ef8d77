"""The summary API and the paper page's panel, served by the real app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from models.settings import Settings
from summaries import QUESTIONS
from tests.indexed import ingest
from tests.summaries.conftest import make_app, record, serve_site
from tests.summaries.fake_llm import Status

ADMIN = "s3cret-admin-token-of-at-least-32-characters"
SITE = "http://testserver"


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


@pytest.fixture
def app_settings(model_settings: Settings) -> Settings:
    return model_settings.model_copy(update={"ADMIN_TOKEN": SecretStr(ADMIN)})


@pytest.fixture
def client(app_settings, clock, paper) -> Iterator[TestClient]:
    app = make_app(app_settings, clock)
    with TestClient(app) as test_client:
        yield test_client
        service = getattr(app.state, "summaries", None)
        if service is not None:
            test_client.portal.call(service.aclose)


def stream(client: TestClient, paper: str = "2403.00001", lang: str = "en", **kwargs):
    """POST from the site's own page: starts the generation."""
    kwargs.setdefault("headers", {"Origin": SITE})
    return client.post(f"/api/papers/{paper}/summary/stream?lang={lang}", **kwargs)


def follow(client: TestClient, paper: str = "2403.00001", lang: str = "en"):
    """GET: follows a generation or replays a summary, never starts one."""
    return client.get(f"/api/papers/{paper}/summary/stream?lang={lang}")


def test_no_summary_yet_is_404_with_its_status(client) -> None:
    response = client.get("/api/papers/2403.00001/summary?lang=en")
    assert response.status_code == 404
    assert response.json() == {
        "error": "no en summary of 2403.00001 yet",
        "status": 404,
        "summary_status": "none",
        "position": None,
        "paper_version": 1,
    }


def test_bad_requests(client) -> None:
    assert client.get("/api/papers/2403.99999/summary").status_code == 404
    assert client.get("/api/papers/not-an-id/summary").json()["error"].startswith("not an arXiv")
    response = client.get("/api/papers/2403.00001/summary?lang=fr")
    assert (response.status_code, response.json()["error"]) == (
        400,
        "language must be one of en, zh",
    )
    assert stream(client, lang="de").status_code == 400
    # The paper's own API is still there.
    assert client.get("/api/papers/2403.00001").json()["id"] == "2403.00001"


def test_the_stream_relays_the_generation_then_the_summary_is_cached(client, llm) -> None:
    response = stream(client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    events = parse_sse(response.text)
    kinds = [kind for kind, _ in events if kind not in ("delta", "status")]
    assert kinds == [*["question", "answer"] * 6, "done"]
    assert events[0][0] == "status"
    assert [data for kind, data in events if kind == "status"][-1] == {"state": "generating"}
    answer = next(data for kind, data in events if kind == "answer")
    assert "<strong>Answer 1</strong>" in answer["html"]
    assert "<math" in answer["html"] and "<msubsup><mi>x</mi><mn>1</mn>" in answer["html"]
    done = events[-1][1]
    assert done["label"] == "Answers by fake-model from the title and abstract of v1."
    assert done["current"] is True and done["paper_version"] == 1
    assert len(llm.calls) == 6

    cached = client.get("/api/papers/2403.00001/summary?lang=en").json()
    assert [item["question"] for item in cached["faq"]] == list(QUESTIONS["en"])
    assert cached["faq"][0]["answer"].startswith("**Answer 1**")
    assert "<math" in cached["faq"][0]["html"]
    assert (cached["model"], cached["version"], cached["status"]) == ("fake-model", 1, "complete")
    assert cached["generation"] == {"status": "complete", "position": None, "error": None}

    again = parse_sse(stream(client).text)
    assert [kind for kind, _ in again] == ["done"]
    assert len(llm.calls) == 6


@pytest.fixture
async def paper_v2(sessions, paper):
    """Makes version 2 of the paper appear when called."""

    async def post() -> None:
        async with sessions.begin() as session:
            await ingest(session, [record(version=2, abstract="Version two.")])

    return post


async def test_a_new_version_shows_the_old_summary_marked_until_the_new_one(
    client, llm, paper_v2
) -> None:
    assert parse_sse(stream(client).text)[-1][0] == "done"
    await paper_v2()
    old = client.get("/api/papers/2403.00001/summary?lang=en").json()
    assert (old["version"], old["paper_version"], old["current"]) == (1, 2, False)
    assert old["label"].endswith("of v1.")
    assert old["generation"]["status"] == "none"

    done = parse_sse(stream(client).text)[-1]
    assert done[0] == "done" and (done[1]["version"], done[1]["current"]) == (2, True)
    assert "Version two." in llm.calls[-1].messages[1]["content"]
    new = client.get("/api/papers/2403.00001/summary?lang=en").json()
    assert (new["version"], new["current"]) == (2, True)


def test_a_failure_is_reported_in_the_stream_and_by_the_api(client, llm) -> None:
    llm.script.extend([Status(500)] * 4)
    events = parse_sse(stream(client).text)
    assert events[-1] == (
        "error",
        {
            "message": "The language model did not answer (HTTP 500), 4 attempts;"
            " please try again later."
        },
    )
    assert [data["attempt"] for kind, data in events if kind == "retry"] == [2, 3, 4]
    response = client.get("/api/papers/2403.00001/summary?lang=en")
    assert response.status_code == 404
    assert response.json()["summary_status"] == "failed"
    assert response.json()["error"].startswith("The language model did not answer")


@pytest.fixture
async def second_paper(sessions, paper) -> str:
    async with sessions.begin() as session:
        await ingest(session, [record("2403.00002")])
    return "2403.00002"


def test_rate_limit_and_budget_over_http(app_settings, clock, second_paper, llm) -> None:
    settings = app_settings.model_copy(update={"SUMMARY_RATE_LIMIT": 1, "LLM_DAILY_BUDGET": 12})
    app = make_app(settings, clock)
    with TestClient(app) as client:
        assert parse_sse(stream(client).text)[-1][0] == "done"
        limited = stream(client, lang="zh")
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "3600"
        assert "Too many summaries" in limited.json()["error"]
        clock.advance(3600)
        assert parse_sse(stream(client, lang="zh").text)[-1][0] == "done"
        clock.advance(3600)
        spent = stream(client, second_paper)
        assert spent.status_code == 503
        assert spent.headers["retry-after"] == str(10 * 3600)  # at 14:00 UTC
        assert "budget of language model calls is spent" in spent.json()["error"]
        client.portal.call(app.state.summaries.aclose)
    assert len(llm.calls) == 12


def test_regeneration_is_for_the_admin_only(client, llm) -> None:
    assert parse_sse(stream(client).text)[-1][0] == "done"
    url = "/api/papers/2403.00001/summary/regenerate?lang=en"
    refused = client.post(url)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert client.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(url).status_code in (404, 405)

    accepted = client.post(url, headers={"Authorization": f"Bearer {ADMIN}"})
    assert accepted.status_code == 202
    assert accepted.json()["summary_status"] in ("queued", "generating")
    assert accepted.json()["stream"].endswith("/api/papers/2403.00001/summary/stream?lang=en")
    events = parse_sse(follow(client).text)  # joins the regeneration
    assert events[-1][0] == "done" and len(llm.calls) == 12


def test_regeneration_without_an_admin_token_configured(model_settings, clock, paper) -> None:
    with TestClient(make_app(model_settings, clock)) as client:
        response = client.post(
            "/api/papers/2403.00001/summary/regenerate", headers={"Authorization": "Bearer "}
        )
    assert response.status_code == 403


def test_the_paper_page_has_the_panel_and_its_script(client) -> None:
    page = client.get("/arxiv/2403.00001")
    assert 'data-api="/api/papers/2403.00001/summary"' in page.text
    assert 'data-languages="en,zh"' in page.text
    assert '<script src="/static/summary.js" defer></script>' in page.text
    assert "faq-extractive" not in page.text and 'data-extractive="false"' in page.text
    script = client.get("/static/summary.js")
    assert script.status_code == 200 and "/stream?lang=" in script.text


async def test_two_http_readers_share_one_generation(app_settings, clock, paper, llm) -> None:
    served = serve_site(app_settings, clock)
    url = f"{served.url}/api/papers/2403.00001/summary/stream?lang=en"
    try:
        llm.hold(from_call=1)
        async with httpx.AsyncClient(timeout=10) as http:

            async def read(first_answer_seen: asyncio.Event, method: str) -> str:
                text = ""
                headers = {"Origin": served.url} if method == "POST" else {}
                async with http.stream(method, url, headers=headers) as response:
                    assert response.status_code == 200
                    async for piece in response.aiter_text():
                        text += piece
                        if "event: answer" in text:
                            first_answer_seen.set()
                return text

            answered_1, answered_2 = asyncio.Event(), asyncio.Event()
            reader_1 = asyncio.create_task(read(answered_1, "POST"))
            await asyncio.wait_for(answered_1.wait(), 10)
            status = await http.get(url.replace("/stream", ""))
            assert status.json()["summary_status"] == "generating"
            reader_2 = asyncio.create_task(read(answered_2, "GET"))
            await asyncio.wait_for(answered_2.wait(), 10)  # joined: the first answer replayed
            llm.release()
            text_1, text_2 = await asyncio.gather(reader_1, reader_2)
    finally:
        served.stop()
    events_1 = [e for e in parse_sse(text_1) if e[0] != "status"]
    events_2 = [e for e in parse_sse(text_2) if e[0] != "status"]
    assert events_1 == events_2 and events_1[-1][0] == "done"
    assert len(llm.calls) == 6


def test_a_get_of_the_stream_never_starts_a_generation(client, llm) -> None:
    response = follow(client)
    assert response.status_code == 404
    assert response.json()["summary_status"] == "none"
    assert llm.calls == []
    assert parse_sse(stream(client).text)[-1][0] == "done"
    assert parse_sse(follow(client).text)[-1][0] == "done"  # the cached summary, replayed
    assert len(llm.calls) == 6


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://elsewhere.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver.elsewhere.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": SITE},
        {"Sec-Fetch-Site": "same-site"},
        {"Referer": f"{SITE}/arxiv/2403.00001"},
    ],
)
def test_only_the_sites_own_pages_may_start_a_generation(client, llm, headers) -> None:
    refused = stream(client, headers=headers)
    assert refused.status_code == 403
    assert "this site" in refused.json()["error"]
    assert llm.calls == []


def test_a_same_origin_fetch_may_start_a_generation(client, llm) -> None:
    response = stream(client, headers={"Sec-Fetch-Site": "same-origin"})
    assert parse_sse(response.text)[-1][0] == "done"


def test_the_rate_limit_keys_on_the_v6_prefix_and_trusts_only_the_proxy(
    app_settings, clock, second_paper, llm
) -> None:
    settings = app_settings.model_copy(update={"SUMMARY_RATE_LIMIT": 1})
    app = make_app(settings, clock)

    def start(client: TestClient, forwarded: str, paper: str = "2403.00001", lang: str = "en"):
        headers = {"Origin": SITE, "X-Forwarded-For": forwarded}
        return stream(client, paper, lang, headers=headers)

    with TestClient(app, client=("127.0.0.1", 40000)) as proxied:
        assert start(proxied, "2001:db8:1:2::1").status_code == 200
        # Another address of the same /64, and a forged hop left of the real one.
        assert start(proxied, "2001:db8:1:2::abcd", lang="zh").status_code == 429
        assert start(proxied, "198.51.100.7, 2001:db8:1:2::9", second_paper).status_code == 429
        assert start(proxied, "2001:db8:1:3::1", second_paper).status_code == 200
    with TestClient(app, client=("203.0.113.5", 40000)) as direct:
        # Not a trusted proxy: its X-Forwarded-For is not believed.
        assert start(direct, "192.0.2.1", lang="zh").status_code == 200
        assert start(direct, "192.0.2.2", second_paper, "zh").status_code == 429
        direct.portal.call(app.state.summaries.aclose)

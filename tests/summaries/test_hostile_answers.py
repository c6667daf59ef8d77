"""Model answers carrying markup, through the summary API: only allow-listed HTML comes out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from summaries import QUESTIONS
from tests.summaries.conftest import make_app
from tests.summaries.fake_llm import Answer
from tests.summaries.test_web import parse_sse, stream
from tests.web.hostile_text import PAYLOADS, markdown_offences, tex_wrappings

PAPER = "2403.00001"


@pytest.fixture
def client(model_settings, clock, paper) -> Iterator[TestClient]:
    app = make_app(model_settings, clock)
    with TestClient(app) as test_client:
        yield test_client
        service = getattr(app.state, "summaries", None)
        if service is not None:
            test_client.portal.call(service.aclose)


def hostile_answer(payloads: list[str]) -> str:
    lines = []
    for payload in payloads:
        wrapped = tex_wrappings(payload)
        lines += [f"- **{payload}** {wrapped[1]} {wrapped[4]}", "", f"$$\n\\text{{{payload}}}\n$$"]
    return "\n".join(lines) + "\n\nThe loss is $x_1^2$."


def test_hostile_answers_stream_and_are_stored_as_allowed_html_only(client, llm) -> None:
    count = len(QUESTIONS["en"])
    answers = [hostile_answer(PAYLOADS[k::count]) for k in range(count)]
    llm.script.extend(Answer(text) for text in answers)
    response = stream(client, PAPER, "en")
    assert response.status_code == 200
    streamed = [data["html"] for kind, data in parse_sse(response.text) if kind == "answer"]
    assert len(streamed) == count
    stored = client.get(f"/api/papers/{PAPER}/summary?lang=en").json()["faq"]
    assert [item["answer"] for item in stored] == answers
    for html in [*streamed, *(item["html"] for item in stored)]:
        assert markdown_offences(html) == []
        assert "<math" in html  # the real formula beside the payloads still renders

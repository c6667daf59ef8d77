"""The streaming chat client against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from summaries.client import ChatClient, Endpoint, describe_failure
from summaries.errors import ModelStreamError
from tests.summaries.fake_llm import Drop, Malformed, Stall, Status, default_answer

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}]


@pytest.fixture
async def client(llm):
    chat = ChatClient(Endpoint(llm.url, "fake-model", api_key="sk-test", timeout=5.0))
    yield chat
    await chat.aclose()


async def test_streams_the_answer_piece_by_piece(client, llm) -> None:
    pieces: list[str] = []
    completion = await client.complete(MESSAGES, pieces.append)
    assert completion.text == default_answer(MESSAGES)
    assert len(pieces) > 3 and "".join(pieces) == completion.text
    assert completion.finish_reason == "stop"
    [call] = llm.calls
    assert call.body == {"model": "fake-model", "messages": MESSAGES, "stream": True}
    assert call.headers["authorization"] == "Bearer sk-test"


async def test_error_status_raises_with_its_retry_after(client, llm) -> None:
    llm.script.append(Status(429, retry_after="7"))
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await client.complete(MESSAGES)
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["retry-after"] == "7"
    assert describe_failure(caught.value) == "HTTP 429: fake error 429"


async def test_a_dropped_stream_is_a_transport_error(client, llm) -> None:
    llm.script.append(Drop(after=2))
    pieces: list[str] = []
    with pytest.raises(httpx.TransportError) as caught:
        await client.complete(MESSAGES, pieces.append)
    assert len(pieces) == 2
    assert describe_failure(caught.value) == "the connection dropped"


async def test_a_malformed_chunk_is_a_stream_error(client, llm) -> None:
    llm.script.append(Malformed(after=1))
    with pytest.raises(ModelStreamError, match="malformed chunk"):
        await client.complete(MESSAGES)


async def test_a_stalled_stream_times_out(llm) -> None:
    llm.script.append(Stall(after=1))
    chat = ChatClient(Endpoint(llm.url, "fake-model", timeout=0.3))
    try:
        with pytest.raises(httpx.ReadTimeout) as caught:
            await chat.complete(MESSAGES)
    finally:
        await chat.aclose()
    assert describe_failure(caught.value) == "no answer in time"


def _stream(body: bytes, content_type: str = "text/event-stream") -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    return httpx.MockTransport(handler)


async def _complete(transport: httpx.MockTransport) -> str:
    async with httpx.AsyncClient(transport=transport) as http:
        chat = ChatClient(Endpoint("http://model.test/v1", "m"), http)
        return (await chat.complete(MESSAGES)).text


async def test_a_stream_that_ends_without_done_or_finish_reason_is_incomplete() -> None:
    body = b'data: {"choices": [{"delta": {"content": "half an"}}]}\n\n'
    with pytest.raises(ModelStreamError, match="ended before the answer was complete"):
        await _complete(_stream(body))


async def test_an_empty_answer_and_a_reported_error_are_stream_errors() -> None:
    with pytest.raises(ModelStreamError, match="empty answer"):
        await _complete(_stream(b"data: [DONE]\n\n"))
    body = b'data: {"error": {"message": "overloaded"}}\n\n'
    with pytest.raises(ModelStreamError, match="overloaded"):
        await _complete(_stream(body))


async def test_comments_other_fields_and_a_server_that_ignores_stream() -> None:
    body = (
        b": keep-alive\n\nevent: message\nid: 1\n"
        b'data: {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]}\n\n'
        b'data: {"choices": [{"index": 1, "delta": {"content": "other choice"}}]}\n\n'
        b'data: {"choices": [{"index": 0, "delta": {"content": " there"}}]}\n\ndata: [DONE]\n\n'
    )
    assert await _complete(_stream(body)) == "Hi there"
    whole = b'{"choices": [{"message": {"role": "assistant", "content": " All at once. "}}]}'
    assert await _complete(_stream(whole, "application/json")) == "All at once."

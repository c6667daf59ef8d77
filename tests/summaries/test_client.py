"""The streaming chat client against a real OpenAI-compatible server on 127.0.0.1: answers,
failures, and the bounds of an answer (max_tokens, its length, its deadline)."""

from __future__ import annotations

import httpx
import pytest

from retry import FakeClock
from summaries.client import ChatClient, Endpoint, describe_failure, failure_detail
from summaries.errors import ModelStreamError
from tests.summaries.fake_llm import (
    Answer,
    Drop,
    Malformed,
    Stall,
    Status,
    Trickle,
    default_answer,
)

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
    assert call.body == {
        "model": "fake-model",
        "messages": MESSAGES,
        "stream": True,
        "max_tokens": 1500,
    }
    assert call.headers["authorization"] == "Bearer sk-test"


async def test_error_status_raises_with_its_retry_after(client, llm) -> None:
    llm.script.append(Status(429, retry_after="7"))
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await client.complete(MESSAGES)
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["retry-after"] == "7"
    assert describe_failure(caught.value) == "HTTP 429"
    assert failure_detail(caught.value) == "HTTP 429: fake error 429"


async def test_what_readers_are_told_of_a_failure_repeats_nothing_the_endpoint_said(
    client, llm
) -> None:
    secret = "invalid key sk-live-0123456789abcdef for org-acme at 10.1.2.3"
    llm.script.append(Status(401, message=secret))
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await client.complete(MESSAGES)
    assert describe_failure(caught.value) == "HTTP 401"
    assert secret in failure_detail(caught.value)  # for the logs only


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


class TickingClock(FakeClock):
    """A fake clock that moves one second each time it is read."""

    def monotonic(self) -> float:
        self.advance(1.0)
        return self.now_seconds


async def test_a_trickling_answer_is_cut_at_its_deadline_on_the_clock(llm) -> None:
    llm.script.append(Trickle(interval=0.005))
    chat = ChatClient(
        Endpoint(llm.url, "fake-model", timeout=5.0, deadline=10.0), clock=TickingClock()
    )
    pieces: list[str] = []
    try:
        with pytest.raises(ModelStreamError, match="longer than 10 s"):
            await chat.complete(MESSAGES, pieces.append)
    finally:
        await chat.aclose()
    assert 0 < len(pieces) <= 10
    assert describe_failure(ModelStreamError("x")) == "an unusable answer"


async def test_a_line_that_never_ends_is_cut_at_the_deadline(llm) -> None:
    llm.script.append(Trickle(interval=0.01, lines=False))
    chat = ChatClient(Endpoint(llm.url, "fake-model", timeout=5.0, deadline=0.3))
    try:
        with pytest.raises(ModelStreamError, match=r"longer than 0\.3 s"):
            await chat.complete(MESSAGES)
    finally:
        await chat.aclose()


async def test_an_answer_is_cut_at_its_size_bound(llm) -> None:
    llm.script.append(Answer("word " * 4000))
    chat = ChatClient(Endpoint(llm.url, "fake-model", max_tokens=20))
    pieces: list[str] = []
    try:
        completion = await chat.complete(MESSAGES, pieces.append)
    finally:
        await chat.aclose()
    assert llm.calls[0].body["max_tokens"] == 20
    assert len("".join(pieces)) == 20 * 8
    assert completion.text == ("word " * 32).strip()
    assert completion.finish_reason == "length"


async def test_the_body_of_an_error_is_read_only_in_part() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = b'{"error": {"message": "' + b"x" * 1_000_000 + b'"}}'
        return httpx.Response(503, content=body, headers={"content-type": "application/json"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        chat = ChatClient(Endpoint("http://model.test/v1", "m"), http)
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await chat.complete(MESSAGES)
    assert len(caught.value.response.content) <= 8192
    assert caught.value.response.status_code == 503

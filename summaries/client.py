"""A streaming client of OpenAI-compatible chat completions (``POST /chat/completions``).

One call is one HTTP request: the answer arrives as server-sent events, ``data: {json}``
chunks whose ``choices[0].delta.content`` are pieces of text, ended by ``data: [DONE]``.
A failed call raises: ``httpx.HTTPStatusError`` for an error status (so that a retry policy
can read its ``Retry-After``), httpx transport errors for timeouts and dropped connections,
and ``ModelStreamError`` for a stream that is malformed, cut short, empty or too slow.
Retrying is the caller's business.

Every answer is bounded: ``max_tokens`` is sent with the request; the answer kept stops at
``max_answer_chars`` (what came beyond is dropped, as a model stopped by ``max_tokens``
would: ``finish_reason`` "length"); the whole answer must arrive within ``deadline``
seconds, however slowly the endpoint trickles it (``timeout`` bounds only each wait for
the next bytes); an error body is read up to a few KiB. ``describe_failure`` says what went
wrong in words fit for readers, never repeating what the endpoint said;
``failure_detail`` adds that, for the logs.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from retry import SYSTEM_CLOCK, Clock
from summaries.errors import ModelStreamError
from summaries.faq import Message

OnDelta = Callable[[str], Awaitable[None] | None]
ERROR_BODY_CHARS = 300
ERROR_BODY_BYTES = 8192
MAX_LINE_CHARS = 64 * 1024
CHARS_PER_TOKEN = 8


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to call the model. ``timeout`` bounds each wait for the next bytes,
    ``deadline`` a whole answer; ``max_tokens`` is asked of the model."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0
    deadline: float = 180.0
    max_tokens: int = 1500

    @property
    def max_answer_chars(self) -> int:
        return self.max_tokens * CHARS_PER_TOKEN

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/chat/completions"


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    finish_reason: str | None


class ChatClient:
    """Calls one endpoint; owns its ``httpx.AsyncClient`` unless one is given."""

    def __init__(
        self,
        endpoint: Endpoint,
        http: httpx.AsyncClient | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.endpoint = endpoint
        self.clock = clock
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(endpoint.timeout, connect=min(endpoint.timeout, 10.0))
        )

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self.endpoint.api_key:
            headers["Authorization"] = f"Bearer {self.endpoint.api_key}"
        return headers

    async def complete(
        self, messages: list[Message], on_delta: OnDelta | None = None
    ) -> Completion:
        """Stream one answer to ``messages``, passing each piece of text to ``on_delta``."""
        deadline = self.endpoint.deadline
        # Checked between pieces on the clock, and enforced by the event loop for an
        # endpoint that trickles bytes without ever finishing a line.
        bound = _Bound(self.clock, deadline, self.endpoint.max_answer_chars)
        try:
            async with asyncio.timeout(deadline):
                return await self._complete(messages, on_delta, bound)
        except TimeoutError:
            raise bound.too_slow() from None

    async def _complete(
        self, messages: list[Message], on_delta: OnDelta | None, bound: _Bound
    ) -> Completion:
        body = {
            "model": self.endpoint.model,
            "messages": messages,
            "stream": True,
            "max_tokens": self.endpoint.max_tokens,
        }
        async with self._http.stream(
            "POST", self.endpoint.url, json=body, headers=self._headers()
        ) as response:
            if response.status_code >= 400:
                # Raised with the start of the body only: an error page may be endless.
                error_body = await _read_capped(response, ERROR_BODY_BYTES)
                httpx.Response(
                    response.status_code,
                    headers=[
                        (name, value)
                        for name, value in response.headers.multi_items()
                        if name not in ("content-encoding", "content-length")
                    ],
                    content=error_body,
                    request=response.request,
                ).raise_for_status()
            if response.headers.get("content-type", "").startswith("application/json"):
                # A server that ignores "stream": the whole answer in one JSON body.
                whole = await _read_capped(response, bound.max_chars * 4 + ERROR_BODY_BYTES)
                return bound.cut(_whole(_json(whole.decode("utf-8", errors="replace"))))
            return await _read_stream(response, on_delta, bound)


@dataclass(slots=True)
class _Bound:
    """The limits of one answer: its deadline on ``clock``, and its length."""

    clock: Clock
    seconds: float
    max_chars: int
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.clock.monotonic()

    def check_time(self) -> None:
        if self.clock.monotonic() - self.started > self.seconds:
            raise self.too_slow()

    def too_slow(self) -> ModelStreamError:
        return ModelStreamError(f"the model's answer took longer than {self.seconds:g} s")

    def cut(self, completion: Completion) -> Completion:
        if len(completion.text) <= self.max_chars:
            return completion
        return Completion(completion.text[: self.max_chars].strip(), "length")


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """The body of ``response``, at most ``limit`` bytes of it (the rest is not read)."""
    data = bytearray()
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= limit:
            break
    return bytes(data[:limit])


async def _lines(response: httpx.Response) -> AsyncIterator[str]:
    """The lines of a text stream, refusing a line longer than MAX_LINE_CHARS."""
    pending = ""
    async for text in response.aiter_text():
        pending += text
        *complete, pending = pending.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for line in complete:
            yield line
        if len(pending) > MAX_LINE_CHARS:
            raise ModelStreamError("the model sent a line too long to be an event")
    if pending:
        yield pending


async def _read_stream(
    response: httpx.Response, on_delta: OnDelta | None, bound: _Bound
) -> Completion:
    pieces: list[str] = []
    size = 0
    finish_reason: str | None = None
    done = False
    async for line in _lines(response):
        bound.check_time()
        if not line.startswith("data:"):
            continue  # blank separators, comments (": ping"), event: and id: fields
        payload = line[5:].strip()
        if payload == "[DONE]":
            done = True
            break
        chunk = _json(payload)
        _raise_reported_error(chunk)
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                content = content[: bound.max_chars - size]
                size += len(content)
                pieces.append(content)
                if on_delta is not None:
                    result = on_delta(content)
                    if inspect.isawaitable(result):
                        await result
            if choice.get("finish_reason"):
                finish_reason = choice["finish_reason"]
        if size >= bound.max_chars:
            finish_reason, done = "length", True  # what may follow is not read
            break
    if not done and finish_reason is None:
        raise ModelStreamError("the model's stream ended before the answer was complete")
    text = "".join(pieces).strip()
    if not text:
        raise ModelStreamError("the model returned an empty answer")
    return Completion(text, finish_reason)


def _json(payload: str) -> dict[str, Any]:
    try:
        value = json.loads(payload)
    except ValueError:
        raise ModelStreamError(
            f"the model sent a malformed chunk: {payload[:ERROR_BODY_CHARS]!r}"
        ) from None
    if not isinstance(value, dict):
        raise ModelStreamError(f"the model sent a malformed chunk: {payload[:80]!r}")
    return value


def _raise_reported_error(chunk: dict[str, Any]) -> None:
    error = chunk.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise ModelStreamError(f"the model reported an error: {str(message)[:ERROR_BODY_CHARS]}")


def _whole(body: dict[str, Any]) -> Completion:
    _raise_reported_error(body)
    try:
        choice = body["choices"][0]
        text = choice["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise ModelStreamError("the model's answer has no choices[0].message.content") from None
    if not text.strip():
        raise ModelStreamError("the model returned an empty answer")
    return Completion(text.strip(), choice.get("finish_reason"))


def describe_failure(exc: BaseException) -> str:
    """A short phrase for a failed call, fit for readers, e.g. ``HTTP 503`` or ``the
    connection dropped``: it never repeats what the endpoint said."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect to the model endpoint"
    if isinstance(exc, httpx.TransportError):
        return "the connection dropped"
    if isinstance(exc, ModelStreamError):
        return "an unusable answer"
    return "an unexpected error"


def failure_detail(exc: BaseException) -> str:
    """What went wrong with a call in full, the endpoint's own words included: for logs."""
    if isinstance(exc, httpx.HTTPStatusError):
        detail = _error_detail(exc.response)
        return f"HTTP {exc.response.status_code}" + (f": {detail}" if detail else "")
    return f"{type(exc).__name__}: {exc}"


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, httpx.ResponseNotRead):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return str(message)[:ERROR_BODY_CHARS] if message else ""

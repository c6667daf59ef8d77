"""A streaming client of OpenAI-compatible chat completions (``POST /chat/completions``).

One call is one HTTP request: the answer arrives as server-sent events, ``data: {json}``
chunks whose ``choices[0].delta.content`` are pieces of text, ended by ``data: [DONE]``.
A failed call raises: ``httpx.HTTPStatusError`` for an error status (so that a retry policy
can read its ``Retry-After``), httpx transport errors for timeouts and dropped connections,
and ``ModelStreamError`` for a stream that is malformed, cut short or empty. Retrying is the
caller's business.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from summaries.errors import ModelStreamError
from summaries.faq import Message

OnDelta = Callable[[str], Awaitable[None] | None]
ERROR_BODY_CHARS = 300


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to call the model. ``timeout`` bounds each wait for the next bytes."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/chat/completions"


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    finish_reason: str | None


class ChatClient:
    """Calls one endpoint; owns its ``httpx.AsyncClient`` unless one is given."""

    def __init__(self, endpoint: Endpoint, http: httpx.AsyncClient | None = None) -> None:
        self.endpoint = endpoint
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
        body = {"model": self.endpoint.model, "messages": messages, "stream": True}
        async with self._http.stream(
            "POST", self.endpoint.url, json=body, headers=self._headers()
        ) as response:
            if response.status_code >= 400:
                await response.aread()
                response.raise_for_status()
            if response.headers.get("content-type", "").startswith("application/json"):
                # A server that ignores "stream": the whole answer in one JSON body.
                await response.aread()
                return _whole(_json(response.text))
            return await _read_stream(response, on_delta)


async def _read_stream(response: httpx.Response, on_delta: OnDelta | None) -> Completion:
    pieces: list[str] = []
    finish_reason: str | None = None
    done = False
    async for line in response.aiter_lines():
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
                pieces.append(content)
                if on_delta is not None:
                    result = on_delta(content)
                    if inspect.isawaitable(result):
                        await result
            if choice.get("finish_reason"):
                finish_reason = choice["finish_reason"]
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
    """A short phrase for a failed call, e.g. ``HTTP 503`` or ``the connection dropped``."""
    if isinstance(exc, httpx.HTTPStatusError):
        detail = _error_detail(exc.response)
        return f"HTTP {exc.response.status_code}" + (f": {detail}" if detail else "")
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect to the model endpoint"
    if isinstance(exc, httpx.TransportError):
        return "the connection dropped"
    return str(exc) or type(exc).__name__


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, httpx.ResponseNotRead):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return str(message)[:ERROR_BODY_CHARS] if message else ""

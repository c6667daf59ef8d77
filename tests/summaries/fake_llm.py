"""An OpenAI-compatible chat completions server for tests, on 127.0.0.1.

``POST /v1/chat/completions`` with ``"stream": true`` answers as the real API does:
``data: {"choices":[{"delta":{"content":"..."}}]}`` events, then ``data: [DONE]``. Every
request is recorded. ``script`` holds what the next calls do instead of answering well
(an error status, a dropped connection, a malformed chunk, a stall, a trickle); ``hold()`` makes the
next calls wait for ``release()`` before streaming, so that a test can act mid-generation.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.summaries.servers import ServedApp, serve


@dataclass(frozen=True)
class Answer:
    """Stream an answer (the default one, or ``text``)."""

    text: str | None = None


@dataclass(frozen=True)
class Status:
    """Answer with an HTTP error status."""

    code: int
    retry_after: str | None = None
    message: str | None = None  # the error's message (default: "fake error <code>")


@dataclass(frozen=True)
class Drop:
    """Stream ``after`` chunks of the answer, then close the connection mid-body."""

    after: int = 2


@dataclass(frozen=True)
class Malformed:
    """Stream ``after`` chunks, then one that is not JSON."""

    after: int = 1


@dataclass(frozen=True)
class Pause:
    """Stream ``after`` chunks, wait for ``release()``, then stream the rest."""

    after: int = 3


@dataclass(frozen=True)
class Stall:
    """Stream ``after`` chunks, then send nothing until the server stops."""

    after: int = 1


@dataclass(frozen=True)
class Trickle:
    """Send a little every ``interval`` seconds and never finish: a delta chunk each time,
    or, with ``lines=False``, one byte of a line that never ends."""

    interval: float = 0.02
    lines: bool = True


@dataclass
class Call:
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body["messages"]


def default_answer(messages: list[dict[str, str]]) -> str:
    asked = sum(1 for m in messages if m["role"] == "assistant") + 1  # the question's number
    question = messages[-1]["content"]
    return f"**Answer {asked}** to _{question}_: the loss is $x_{asked}^2 + y$."


def chunks(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def sse(data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {payload}\n\n".encode()


def delta_chunk(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "fake-model",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }


@dataclass
class FakeLLM:
    answer: Callable[[list[dict[str, str]]], str] = default_answer
    script: deque = field(default_factory=deque)
    calls: list[Call] = field(default_factory=list)
    served: ServedApp | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _hold_from: int | None = None
    _gate: asyncio.Event | None = None
    _stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        assert self.served is not None
        return f"{self.served.url}/v1"

    def start(self) -> FakeLLM:
        self.served = serve(self.app, on_stop=self._unblock)
        return self

    def stop(self) -> None:
        if self.served is not None:
            self.served.stop()

    def hold(self, from_call: int | None = None) -> None:
        """Call number ``from_call`` (0-based; default: the next one) and those after it wait
        for ``release()`` before they answer."""
        self._gate = asyncio.Event()  # used only in the server's loop
        self._hold_from = len(self.calls) if from_call is None else from_call

    def release(self) -> None:
        """Let held and paused calls go on."""
        self._hold_from = None
        if self.served is not None and self._gate is not None:
            gate = self._gate

            def open_gate() -> None:
                gate.set()  # wakes the calls waiting now; later pauses wait for a new gate
                if self._gate is gate:
                    self._gate = asyncio.Event()

            self.served.call_soon(open_gate)

    def _unblock(self) -> None:
        if self.served is not None and self.served.loop is not None:

            def wake() -> None:
                for event in (self._gate, self._stop):
                    if event is not None:
                        event.set()

            self.served.call_soon(wake)

    @property
    def user_questions(self) -> list[str]:
        return [call.messages[-1]["content"] for call in self.calls]

    async def app(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self._stop = asyncio.Event()
                    self._gate = self._gate or asyncio.Event()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] != "/v1/chat/completions" or scope["method"] != "POST":
            await _respond(send, 404, b'{"error": {"message": "not found"}}')
            return
        request = json.loads(body)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self._lock:
            index = len(self.calls)
            self.calls.append(Call(request, headers))
            behaviour = self.script.popleft() if self.script else Answer()
        if self._hold_from is not None and index >= self._hold_from:
            assert self._gate is not None
            await self._gate.wait()
        if isinstance(behaviour, Status):
            extra = []
            if behaviour.retry_after is not None:
                extra.append((b"retry-after", behaviour.retry_after.encode()))
            message = behaviour.message or f"fake error {behaviour.code}"
            error = {"error": {"message": message, "type": "server_error"}}
            await _respond(send, behaviour.code, json.dumps(error).encode(), extra)
            return
        text = (
            behaviour.text
            if isinstance(behaviour, Answer) and behaviour.text is not None
            else self.answer(request["messages"])
        )
        pieces = chunks(text)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )

        async def body_part(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        if isinstance(behaviour, Trickle):
            assert self._stop is not None
            if not behaviour.lines:
                await body_part(b"data: ")
            while not self._stop.is_set():
                await body_part(sse(delta_chunk(".")) if behaviour.lines else b"x")
                await asyncio.sleep(behaviour.interval)
            return
        cut = getattr(behaviour, "after", None)
        for n, piece in enumerate(pieces):
            if cut is not None and n == cut:
                if not isinstance(behaviour, Pause):
                    break
                assert self._gate is not None
                await self._gate.wait()
            await body_part(sse(delta_chunk(piece)))
        if isinstance(behaviour, Drop):
            return  # the response is left unfinished: uvicorn drops the connection
        if isinstance(behaviour, Malformed):
            await body_part(b'data: {"choices": [{"delta": {"content": "x"\n\n')
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if isinstance(behaviour, Stall):
            assert self._stop is not None
            await self._stop.wait()
            return
        final = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await body_part(sse(final) + sse("[DONE]"))
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _respond(send, status: int, body: bytes, extra: list | None = None) -> None:
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})

"""A fake OpenAI-compatible embeddings endpoint (``POST /embeddings``) for tests.

A text's vector is ``[1, 0]`` when it holds one of ``FIRST_WORDS``, else ``[0, 1]``; the
first ``fail_first`` requests answer 503, and ``malformed`` answers something that is not
embeddings. Every request is recorded (its body and Authorization header).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.summaries.servers import serve

FIRST_WORDS = ("planning", "policies")


def vector(text: str) -> list[float]:
    return [1.0, 0.0] if any(w in text.lower() for w in FIRST_WORDS) else [0.0, 1.0]


@dataclass
class FakeEmbeddings:
    url: str = ""
    fail_first: int = 0
    malformed: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    async def embeddings(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        self.authorizations.append(request.headers.get("authorization", ""))
        if len(self.requests) <= self.fail_first:
            return JSONResponse({"error": {"message": "busy"}}, status_code=503)
        if self.malformed:
            return JSONResponse({"data": [{"index": 0, "embedding": "no"}]})
        data = [
            {"object": "embedding", "index": i, "embedding": vector(text)}
            for i, text in enumerate(body["input"])
        ]
        data.reverse()  # the order is the index's, not the list's
        return JSONResponse({"object": "list", "data": data, "model": body["model"]})


@contextmanager
def fake_embeddings(**options: Any) -> Iterator[FakeEmbeddings]:
    fake = FakeEmbeddings(**options)
    served = serve(Starlette(routes=[Route("/v1/embeddings", fake.embeddings, methods=["POST"])]))
    fake.url = served.url + "/v1"
    try:
        yield fake
    finally:
        served.stop()

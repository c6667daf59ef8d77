"""Embeddings of papers from an OpenAI-compatible endpoint (``POST /embeddings``), stored
one vector per paper for the related papers (``search.alike`` blends them in).

``EmbeddingsClient.embed`` sends a batch of texts and returns their vectors in order; an
error status or a dropped connection is tried again by ``retry.http_policy``, and an answer
that is not a list of as many equal-length vectors raises ``EmbeddingsError``.
``embed_archive`` embeds the visible papers that have no vector of the model yet (or one of
an older version of the paper), in batches, and stores them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.embeddings import PaperEmbedding
from models.schema import Paper
from retry import SYSTEM_CLOCK, AsyncRetry, Clock, http_policy

EMBED_BATCH = 64
MAX_TEXT_CHARS = 8000  # what is sent of a paper: its title and abstract, cut here


class EmbeddingsError(Exception):
    """The endpoint answered something that is not the vectors asked for."""


@dataclass(frozen=True, slots=True)
class EmbeddingsEndpoint:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/embeddings"


class EmbeddingsClient:
    """Calls one endpoint; owns its ``httpx.AsyncClient`` unless one is given."""

    def __init__(
        self,
        endpoint: EmbeddingsEndpoint,
        http: httpx.AsyncClient | None = None,
        clock: Clock = SYSTEM_CLOCK,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.clock = clock
        self.sleep = sleep
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=endpoint.timeout)

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> EmbeddingsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.endpoint.api_key:
            headers["Authorization"] = f"Bearer {self.endpoint.api_key}"
        return headers

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """The vectors of ``texts``, in their order."""
        if not texts:
            return []
        body = {"model": self.endpoint.model, "input": list(texts)}
        options: dict[str, Any] = {"clock": self.clock}
        if self.sleep is not None:
            options["sleep"] = self.sleep
        async for attempt in AsyncRetry(http_policy, **options):
            with attempt:
                response = await self._http.post(
                    self.endpoint.url, json=body, headers=self._headers()
                )
                response.raise_for_status()
        return vectors_of(response, len(texts))


def vectors_of(response: httpx.Response, count: int) -> list[list[float]]:
    """The ``data[*].embedding`` of an answer, ordered by ``index``, checked."""
    try:
        items = response.json()["data"]
        ordered = sorted(items, key=lambda item: int(item.get("index", 0)))
        vectors = [[float(x) for x in item["embedding"]] for item in ordered]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise EmbeddingsError("the endpoint's answer is not a list of embeddings") from None
    if len(vectors) != count:
        raise EmbeddingsError(f"asked for {count} embeddings, got {len(vectors)}")
    width = len(vectors[0]) if vectors else 0
    if not width or any(len(v) != width for v in vectors):
        raise EmbeddingsError("the embeddings are empty or of different lengths")
    if not all(math.isfinite(x) for v in vectors for x in v):
        raise EmbeddingsError("the embeddings hold numbers that are not finite")
    return vectors


def paper_text(title: str, abstract: str) -> str:
    return f"{title}\n\n{abstract}"[:MAX_TEXT_CHARS]


async def embed_archive(
    sessions: async_sessionmaker[AsyncSession],
    client: EmbeddingsClient,
    *,
    batch_size: int = EMBED_BATCH,
    everything: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Embed the visible papers lacking a vector of the client's model (every one with
    ``everything``), ``batch_size`` at a time, each batch stored when it comes; returns how
    many were embedded."""
    model = client.endpoint.model
    async with sessions() as session:
        stored = {
            paper_id: (m, v)
            for paper_id, m, v in await session.execute(
                select(PaperEmbedding.paper_id, PaperEmbedding.model, PaperEmbedding.version)
            )
        }
        rows = await session.execute(
            select(Paper.id, Paper.version, Paper.title, Paper.abstract)
            .where(Paper.hidden.is_(False))
            .order_by(Paper.id)
        )
        wanted = [
            (i, version, paper_text(t or "", a or ""))
            for i, version, t, a in rows
            if everything or stored.get(i) != (model, version)
        ]
    done = 0
    for start in range(0, len(wanted), batch_size):
        batch = wanted[start : start + batch_size]
        vectors = await client.embed([text for _, _, text in batch])
        async with sessions() as session:
            for (paper_id, version, _), vector in zip(batch, vectors, strict=True):
                await session.merge(
                    PaperEmbedding(paper_id=paper_id, model=model, version=version, vector=vector)
                )
            await session.commit()
        done += len(batch)
        if progress is not None:
            progress(len(batch))
    return done


async def stored_embeddings(session: AsyncSession, model: str) -> dict[str, list[float]]:
    """The stored vectors of ``model``, by paper."""
    rows = await session.execute(
        select(PaperEmbedding.paper_id, PaperEmbedding.vector).where(PaperEmbedding.model == model)
    )
    return {paper_id: vector for paper_id, vector in rows}

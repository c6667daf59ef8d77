"""Reading a fetched response as an arXiv document, with errors a person can act on.

``fetch_document`` asks for a document and reads it; a response that arrives whole but
holds a document cut short (``TruncatedDocument``) is asked for again, under the client's
``document_policy``, since every request of a crawl is idempotent: the same page, the same
resumption token. Nothing of a document that could not be read is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

import tenacity

from crawler.fetch.client import ArxivClient, Fetched
from crawler.fetch.errors import BadDocument, FetchError, TruncatedDocument
from crawler.parse import MalformedDocument, ParseError, parse_document
from crawler.records import ParsedDocument
from retry import AsyncRetry, GaveUp

log = logging.getLogger("coolpapers.fetch")


def read_document(fetched: Fetched, kind: str, max_bytes: int) -> ParsedDocument:
    """Parse ``fetched`` as a ``kind`` document (one of crawler.parse.KINDS)."""
    try:
        return parse_document(fetched.content, source_hint=kind, max_bytes=max_bytes)
    except ParseError as exc:
        error = TruncatedDocument if isinstance(exc, MalformedDocument) else BadDocument
        raise error(
            f"GET {fetched.url}: HTTP {fetched.status}, not a readable {kind} document: {exc}"
        ) from exc


async def fetch_document(
    client: ArxivClient,
    url: str,
    kind: str,
    *,
    params: dict[str, str] | None = None,
    statuses: Collection[int] = (200,),
) -> tuple[Fetched, ParsedDocument]:
    """GET ``url`` and read the answer as a ``kind`` document; a document cut short is asked
    for again. A status outside ``statuses`` raises ``FetchError``; a document that stays
    cut short raises ``TruncatedDocument`` saying how often it was asked for."""

    def tell(state: tenacity.RetryCallState) -> None:
        assert state.outcome is not None
        log.warning(
            "%s; asking again in %.1f s (attempt %d)",
            state.outcome.exception(),
            state.upcoming_sleep,
            state.attempt_number,
        )

    policy = client.document_policy.add_hooks(before_sleep=tell)
    try:
        async for attempt in AsyncRetry(policy, sleep=client.sleep, clock=client.clock):
            with attempt:
                fetched = await client.get(url, params=params)
                if fetched.status not in statuses:
                    raise FetchError(f"GET {fetched.url}: HTTP {fetched.status}")
                return fetched, read_document(fetched, kind, client.max_bytes)
    except GaveUp as exc:
        raise TruncatedDocument(
            f"{exc.last_exception} (asked {exc.attempts} times, cut short every time; "
            "nothing of this document was stored)"
        ) from exc.last_exception
    raise AssertionError("unreachable: a retry run either returns or raises")

"""Reading a fetched response as an arXiv document, with errors a person can act on."""

from __future__ import annotations

from crawler.fetch.client import Fetched
from crawler.fetch.errors import BadDocument
from crawler.parse import ParseError, parse_document
from crawler.records import ParsedDocument


def read_document(fetched: Fetched, kind: str, max_bytes: int) -> ParsedDocument:
    """Parse ``fetched`` as a ``kind`` document (one of crawler.parse.KINDS)."""
    try:
        return parse_document(fetched.content, source_hint=kind, max_bytes=max_bytes)
    except ParseError as exc:
        raise BadDocument(
            f"GET {fetched.url}: HTTP {fetched.status}, not a readable {kind} document: {exc}"
        ) from exc

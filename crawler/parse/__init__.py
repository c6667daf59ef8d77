"""Parsing every arXiv response format into one record type.

``parse_document`` reads any recorded response and tells the format by its content: the
daily feeds of rss.arxiv.org (RSS 2.0 and Atom), the search API's Atom pages (current and
legacy), OAI-PMH responses (``arXivRaw``, ``arXiv``, ``oai_dc``) and the metadata snapshot's
JSON lines. Each gives a ``ParsedDocument`` of ``PaperRecord``s (``crawler.records``).

A document that cannot be read (malformed, truncated, too large, an entity declaration,
an unknown format) raises ``ParseError``. An error document from arXiv is not an exception:
it parses into a document with ``error`` set (and ``error_code`` for OAI) and no papers.
Single records that cannot be read are skipped and named in ``problems``.

For large inputs, ``OaiStream`` reads an OAI-PMH response chunk by chunk and
``iter_snapshot`` reads snapshot lines one by one, both in constant memory.
"""

from __future__ import annotations

import io

from crawler.parse.api import api_from_root, parse_api
from crawler.parse.detect import KINDS, first_byte, is_json_lines, kind_of_root
from crawler.parse.errors import MalformedDocument, ParseError
from crawler.parse.oai import OaiStream, oai_from_root, parse_oai
from crawler.parse.rss import parse_rss, rss_from_root
from crawler.parse.snapshot import iter_snapshot, snapshot_paper
from crawler.parse.xml import DEFAULT_MAX_BYTES, check_size, parse_xml
from crawler.records import ParsedDocument

__all__ = [
    "DEFAULT_MAX_BYTES",
    "KINDS",
    "MalformedDocument",
    "OaiStream",
    "ParseError",
    "iter_snapshot",
    "parse_api",
    "parse_document",
    "parse_oai",
    "parse_rss",
    "snapshot_paper",
]

_FROM_ROOT = {
    "rss": rss_from_root,
    "atom-feed": rss_from_root,
    "api": api_from_root,
    "oai": oai_from_root,
}


def parse_document(
    data: bytes, *, source_hint: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedDocument:
    """Parse one recorded arXiv response of any kind.

    ``source_hint`` (one of ``KINDS``) says what the caller expects: a document of another
    kind raises ParseError, and ``"snapshot"`` reads JSON lines without looking.
    """
    if source_hint is not None and source_hint not in KINDS:
        raise ValueError(f"unknown source_hint {source_hint!r}; expected one of {KINDS}")
    check_size(data, max_bytes)
    if source_hint == "snapshot" or (source_hint is None and is_json_lines(data)):
        document = ParsedDocument(kind="snapshot")
        document.papers.extend(iter_snapshot(io.BytesIO(data), on_problem=document.problems.append))
        return document
    if first_byte(data) not in (b"<", b""):
        start = bytes(data[:40]).decode("utf-8", "replace").strip()
        raise ParseError(f"neither XML nor JSON lines: starts with {start!r}")
    root = parse_xml(data, max_bytes=max_bytes)
    kind = kind_of_root(root)
    if source_hint is not None and kind != source_hint:
        raise ParseError(f"expected a {source_hint} document, found {kind}")
    return _FROM_ROOT[kind](root)

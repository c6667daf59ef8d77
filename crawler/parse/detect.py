"""Which arXiv format a document is, from its content alone."""

from __future__ import annotations

import re

from lxml import etree

from crawler.parse.errors import ParseError
from crawler.parse.xml import ARXIV, ATOM, OAI, OPENSEARCH

KINDS = ("rss", "atom-feed", "api", "oai", "snapshot")

_LEADING = re.compile(rb"(?:\xef\xbb\xbf)?\s*")
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"


def first_byte(data: bytes) -> bytes:
    """The first byte after a UTF-8 byte order mark and whitespace (b"" if there is none)."""
    start = _LEADING.match(data)
    index = start.end() if start else 0
    return data[index : index + 1]


def is_json_lines(data: bytes) -> bool:
    return first_byte(data) == b"{"


def kind_of_root(root: etree._Element) -> str:
    """The kind of an XML document, from its root element."""
    tag = root.tag
    if tag == "rss":
        return "rss"
    if tag == f"{OAI}OAI-PMH":
        return "oai"
    if tag == f"{ATOM}feed":
        return _kind_of_atom(root)
    if tag == _RDF:
        raise ParseError("RSS 1.0 feeds (arXiv's format before 2024) are not supported")
    name = etree.QName(tag).localname if isinstance(tag, str) else str(tag)
    raise ParseError(f"not an arXiv document: root element is <{name}>")


def _kind_of_atom(root: etree._Element) -> str:
    """The search API and rss.arxiv.org both answer in Atom; only the API pages results."""
    if root.find(f"{OPENSEARCH}totalResults") is not None:
        return "api"
    if "rss.arxiv.org" in (root.findtext(f"{ATOM}id") or ""):
        return "atom-feed"
    if root.find(f"{ATOM}entry/{ARXIV}announce_type") is not None:
        return "atom-feed"
    return "api"

"""Safe XML parsing: no entity expansion, no DTD, no network, bounded size.

Any DOCTYPE that declares entities is refused before lxml sees the document, so that an
entity bomb ("billion laughs") costs one scan of the prolog and no memory.
"""

from __future__ import annotations

import threading

from lxml import etree

from crawler.parse.errors import MalformedDocument, ParseError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

_local = threading.local()  # an lxml parser must not be shared between threads


def _parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(**_PARSER_OPTIONS)
    return parser


def new_pull_parser(tags: tuple[str, ...]) -> etree.XMLPullParser:
    """A pull parser with the same safety options, reporting the end of each of ``tags``."""
    return etree.XMLPullParser(events=("end",), tag=tags, **_PARSER_OPTIONS)


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ParseError(f"document is {len(data):,} bytes, over the limit of {max_bytes:,} bytes")


def refuse_entity_declarations(data: bytes) -> None:
    """Raise if the prolog holds a DOCTYPE declaring entities (checked on raw bytes).

    The internal subset of a DOCTYPE sits between its ``[`` and ``]>``; ``<!ENTITY`` cannot
    appear in element content unescaped, so a bytes search of the DOCTYPE is exact enough.
    """
    start = data.find(b"<!DOCTYPE")
    if start < 0:
        return
    tag_end = data.find(b">", start)
    if tag_end < 0:
        tag_end = len(data)
    if data.find(b"[", start, tag_end) >= 0:
        end = data.find(b"]>", start)
        end = len(data) if end < 0 else end
    else:
        end = tag_end
    if data.find(b"<!ENTITY", start, end) >= 0:
        raise ParseError("XML entity declarations are not accepted")


def syntax_error_message(exc: etree.XMLSyntaxError) -> str:
    line, column = exc.position if exc.position else (exc.lineno, exc.offset)
    reason = (exc.msg or str(exc)).split(", line ")[0].strip()
    return f"truncated or malformed XML at line {line}, column {column}: {reason}"


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse a whole document into its root element, or raise ParseError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    check_size(data, max_bytes)
    if not data.strip():
        raise MalformedDocument("empty document")
    refuse_entity_declarations(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedDocument(syntax_error_message(exc)) from None
    if root is None:
        raise MalformedDocument("document has no root element")
    return root


# Namespaces of the arXiv formats.
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_ARXIV = "{http://arxiv.org/OAI/arXiv/}"
OAI_ARXIV_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
OAI_ARXIV_OLD = "{http://arxiv.org/OAI/arXivOld/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"


def text_of(element: etree._Element) -> str:
    """All text inside ``element`` (its own text when it has no children, the usual case)."""
    if len(element):
        return "".join(element.itertext())
    return element.text or ""

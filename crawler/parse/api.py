"""The search API (export.arxiv.org/api/query): Atom + OpenSearch + arxiv: elements.

Both generations are read by namespace and element name, never by position or prefix: the
legacy one (namespaces declared inline, hard-wrapped text, ``http://`` links) and the current
one (namespaces on the root, one-line text, ``https://`` links).
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from crawler.ids import InvalidArxivId, parse_arxiv_id
from crawler.parse.errors import ParseError
from crawler.parse.text import (
    clean,
    clean_or_none,
    ordered_categories,
    parse_iso,
    says_withdrawn,
)
from crawler.parse.xml import ARXIV, ATOM, DEFAULT_MAX_BYTES, OPENSEARCH, parse_xml, text_of
from crawler.records import AuthorRecord, PaperRecord, ParsedDocument, VersionRecord

ERROR_ID_MARK = "/api/errors"

_ID = f"{ATOM}id"
_TITLE = f"{ATOM}title"
_SUMMARY = f"{ATOM}summary"
_PUBLISHED = f"{ATOM}published"
_UPDATED = f"{ATOM}updated"
_AUTHOR = f"{ATOM}author"
_NAME = f"{ATOM}name"
_CATEGORY = f"{ATOM}category"
_PRIMARY = f"{ARXIV}primary_category"
_AFFILIATION = f"{ARXIV}affiliation"
_COMMENT = f"{ARXIV}comment"
_JOURNAL_REF = f"{ARXIV}journal_ref"
_DOI = f"{ARXIV}doi"


def parse_api(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    """Parse one page of search API results."""
    return api_from_root(parse_xml(data, max_bytes=max_bytes))


def api_from_root(root: etree._Element) -> ParsedDocument:
    if root.tag != f"{ATOM}feed":
        raise ParseError(f"not an API feed: root element is <{etree.QName(root).localname}>")
    title = clean(root.findtext(_TITLE))
    document = ParsedDocument(
        kind="api",
        total_results=_int(root.findtext(f"{OPENSEARCH}totalResults")),
        start_index=_int(root.findtext(f"{OPENSEARCH}startIndex")),
        feed_query=title.split("Query: ", 1)[1] if "Query: " in title else None,
    )
    for index, entry in enumerate(root.iterfind(f"{ATOM}entry"), 1):
        entry_id = clean(entry.findtext(_ID))
        if ERROR_ID_MARK in entry_id:
            # The API's error document: one entry titled "Error", the message in its summary.
            document.error = clean(entry.findtext(_SUMMARY)) or entry_id
            document.papers.clear()
            return document
        try:
            document.papers.append(_paper(entry))
        except (InvalidArxivId, ValueError) as exc:
            document.problems.append(f"entry {index}: {exc}")
    return document


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _paper(entry: etree._Element) -> PaperRecord:
    fields: dict[str, str] = {}
    authors: list[AuthorRecord] = []
    terms: list[str] = []
    primary = None
    for child in entry:
        tag = child.tag
        if tag == _AUTHOR:
            name = clean(child.findtext(_NAME))
            if name:
                affiliations = [clean(a.text) for a in child.iterfind(_AFFILIATION)]
                authors.append(AuthorRecord(name, ", ".join(a for a in affiliations if a) or None))
        elif tag == _CATEGORY:
            terms.append(clean(child.get("term")))
        elif tag == _PRIMARY:
            primary = clean(child.get("term")) or None
        elif isinstance(tag, str):
            fields[tag] = text_of(child)
    arxiv = parse_arxiv_id(fields.get(_ID, ""))
    published = _date(fields.get(_PUBLISHED))
    updated = _date(fields.get(_UPDATED))
    versions = []
    if arxiv.version is not None:
        # published is the submission of v1, updated that of the version returned.
        if published is not None and arxiv.version > 1:
            versions.append(VersionRecord(1, submitted=published))
        versions.append(VersionRecord(arxiv.version, submitted=updated))
    comment = clean_or_none(fields.get(_COMMENT))
    abstract = clean(fields.get(_SUMMARY))
    categories = ordered_categories(primary, terms)
    return PaperRecord(
        arxiv_id=arxiv.id,
        version=arxiv.version or 1,
        version_exact=arxiv.version is not None,
        title=clean(fields.get(_TITLE)),
        abstract=abstract,
        authors=tuple(authors),
        primary_category=categories[0] if categories else None,
        categories=categories,
        published=published,
        updated=updated,
        comment=comment,
        journal_ref=clean_or_none(fields.get(_JOURNAL_REF)),
        doi=clean_or_none(fields.get(_DOI)),
        withdrawn=says_withdrawn(comment, abstract),
        versions=tuple(versions),
    )


def _date(text: str | None) -> dt.datetime | None:
    return parse_iso(text) if text and text.strip() else None

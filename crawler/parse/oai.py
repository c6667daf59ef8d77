"""OAI-PMH responses (ListRecords, GetRecord) in the ``arXivRaw``, ``arXiv``, ``oai_dc`` and
``arXivOld`` metadata formats, from the old (export.arxiv.org/oai2) and new
(oaipmh.arxiv.org/oai) services.

What each format says about versions and dates:

- ``arXivRaw`` lists every version with its submission date: ``version`` is the latest,
  ``published`` the date of v1, ``updated`` that of the latest version.
- ``arXiv`` names no version number. On the old service ``created`` is the day of v1 and
  ``updated`` (present only when there are several versions) the day of the latest one; on
  the new service ``created`` is the day of the current version and ``updated`` the day its
  metadata last changed. So the record is the latest version with ``version_exact=False``
  and ``version`` a lower bound (1, or 2 when the old service gives ``updated``); only the
  old service gives ``published``. Which service answered is read from ``<request>``.
- ``oai_dc`` has the day of v1 and, when later versions exist, a second (last) date; no
  categories, only their long names, so ``categories`` stays empty.
- ``arXivOld`` has no dates and no version.

Deleted records (``<header status="deleted">``) carry no metadata and are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TypedDict

from lxml import etree

from crawler.ids import InvalidArxivId, parse_arxiv_id
from crawler.parse.errors import ParseError
from crawler.parse.text import (
    author_from_parts,
    clean,
    clean_or_none,
    ordered_categories,
    parse_day,
    parse_rfc2822,
    says_withdrawn,
    split_authors,
)
from crawler.parse.xml import (
    DC,
    DEFAULT_MAX_BYTES,
    OAI,
    OAI_ARXIV,
    OAI_ARXIV_OLD,
    OAI_ARXIV_RAW,
    OAI_DC,
    new_pull_parser,
    parse_xml,
    refuse_entity_declarations,
    syntax_error_message,
    text_of,
)
from crawler.records import AuthorRecord, PaperRecord, ParsedDocument, VersionRecord

_RECORD = f"{OAI}record"
_HEADER = f"{OAI}header"
_METADATA = f"{OAI}metadata"
_REQUEST = f"{OAI}request"
_ERROR = f"{OAI}error"
_TOKEN = f"{OAI}resumptionToken"
_IDENTIFIER = f"{OAI}identifier"


def parse_oai(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    """Parse one OAI-PMH response held in memory."""
    return oai_from_root(parse_xml(data, max_bytes=max_bytes))


def oai_from_root(root: etree._Element) -> ParsedDocument:
    if root.tag != f"{OAI}OAI-PMH":
        raise ParseError(f"not an OAI-PMH response: root is <{etree.QName(root).localname}>")
    document = ParsedDocument(kind="oai")
    legacy = _is_legacy(root.find(_REQUEST))
    for error in root.iterfind(_ERROR):
        _add_error(document, error)
    if document.error is not None:
        return document
    for index, record in enumerate(root.iter(_RECORD), 1):
        _add_record(document, record, index, legacy)
    token = root.find(f".//{_TOKEN}")
    if token is not None:
        _set_token(document, token)
    return document


class OaiStream:
    """Parse an OAI-PMH response as it arrives, in constant memory.

    ``feed`` takes the next bytes and returns the papers completed by them; each record's
    elements are freed once read. ``close`` checks that the document ended properly and
    returns the page's envelope (resumption token, list size, error, problems), whose
    ``papers`` is empty since they were returned by ``feed``.
    """

    _HEAD_LIMIT = 1024 * 1024
    _ROOT_START = re.compile(rb"<[A-Za-z_]")

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._size = 0
        self._head: bytes | None = b""  # bytes held back until the prolog has been checked
        self._parser = new_pull_parser((_RECORD, _REQUEST, _ERROR, _TOKEN))
        self._legacy = False
        self._index = 0
        self.document = ParsedDocument(kind="oai")

    def feed(self, chunk: bytes) -> list[PaperRecord]:
        self._size += len(chunk)
        if self._size > self._max_bytes:
            raise ParseError(f"document is over the limit of {self._max_bytes:,} bytes")
        if self._head is not None:
            self._head += chunk
            if not self._ROOT_START.search(self._head):
                if len(self._head) > self._HEAD_LIMIT:
                    raise ParseError("no root element in the first megabyte")
                return []
            chunk, self._head = self._head, None
            refuse_entity_declarations(chunk)
        try:
            self._parser.feed(chunk)
        except etree.XMLSyntaxError as exc:
            raise ParseError(syntax_error_message(exc)) from None
        return self._drain()

    def close(self) -> ParsedDocument:
        try:
            if self._head is not None:
                head, self._head = self._head, None
                if not head.strip():
                    raise ParseError("empty document")
                refuse_entity_declarations(head)
                self._parser.feed(head)
            root = self._parser.close()
        except etree.XMLSyntaxError as exc:
            raise ParseError(syntax_error_message(exc)) from None
        self._drain()
        if root.tag != f"{OAI}OAI-PMH":
            raise ParseError(f"not an OAI-PMH response: root is <{etree.QName(root).localname}>")
        return self.document

    def _drain(self) -> list[PaperRecord]:
        papers: list[PaperRecord] = []
        document = self.document
        for _, element in self._parser.read_events():
            tag = element.tag
            if tag == _RECORD:
                self._index += 1
                before = len(document.papers)
                _add_record(document, element, self._index, self._legacy)
                papers.extend(document.papers[before:])
                del document.papers[before:]
                element.clear()
                parent = element.getparent()
                while element.getprevious() is not None and parent is not None:
                    del parent[0]
            elif tag == _REQUEST:
                self._legacy = _is_legacy(element)
            elif tag == _ERROR:
                _add_error(document, element)
            elif tag == _TOKEN:
                _set_token(document, element)
        return papers


def _is_legacy(request: etree._Element | None) -> bool:
    """Whether the old service (``.../oai2``) answered: its ``arXiv`` dates mean other things."""
    return request is not None and clean(request.text).rstrip("/").endswith("/oai2")


def _add_error(document: ParsedDocument, error: etree._Element) -> None:
    message = clean(text_of(error)) or "OAI-PMH error"
    document.error = f"{document.error}; {message}" if document.error else message
    document.error_code = document.error_code or error.get("code")
    document.papers.clear()


def _set_token(document: ParsedDocument, token: etree._Element) -> None:
    document.resumption_token = clean(token.text)  # "" marks the last page of a list
    document.total_results = _int(token.get("completeListSize"))
    document.start_index = _int(token.get("cursor"))


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _add_record(document: ParsedDocument, record: etree._Element, index: int, legacy: bool) -> None:
    # Direct child walks: ElementPath find() costs more than the whole record otherwise.
    header = content = None
    for child in record:
        if child.tag == _HEADER:
            header = child
        elif child.tag == _METADATA:
            content = next((c for c in child if isinstance(c.tag, str)), None)
    identifier = ""
    if header is not None:
        if header.get("status") == "deleted":
            return
        identifier = next((clean(c.text) for c in header if c.tag == _IDENTIFIER), "")
    where = f"record {index} ({identifier or 'no identifier'})"
    if content is None:
        document.problems.append(f"{where}: no metadata")
        return
    reader = _READERS.get(content.tag)
    if reader is None:
        document.problems.append(f"{where}: unknown metadata format <{content.tag}>")
        return
    try:
        document.papers.append(reader(content, identifier, legacy))
    except (InvalidArxivId, ValueError) as exc:
        document.problems.append(f"{where}: {exc}")


def _fields(content: etree._Element) -> dict[str, str]:
    """The text of each child, by local name (every child of a record is in one namespace)."""
    return {
        child.tag.rpartition("}")[2]: text_of(child)
        for child in content
        if isinstance(child.tag, str)
    }


def _arxiv_id(fields: dict[str, str], identifier: str) -> str:
    return parse_arxiv_id(clean(fields.get("id")) or identifier).id


def _categories(text: str | None) -> tuple[str, ...]:
    terms = clean(text).split()
    return ordered_categories(terms[0] if terms else None, terms)


class _Common(TypedDict):
    title: str
    abstract: str
    primary_category: str | None
    categories: tuple[str, ...]
    comment: str | None
    journal_ref: str | None
    doi: str | None
    report_no: str | None
    license: str | None
    withdrawn: bool


def _common(fields: dict[str, str]) -> _Common:
    """The fields every arXiv metadata format names the same way."""
    categories = _categories(fields.get("categories"))
    comment = clean_or_none(fields.get("comments"))
    abstract = clean(fields.get("abstract"))
    return {
        "title": clean(fields.get("title")),
        "abstract": abstract,
        "primary_category": categories[0] if categories else None,
        "categories": categories,
        "comment": comment,
        "journal_ref": clean_or_none(fields.get("journal-ref")),
        "doi": clean_or_none(fields.get("doi")),
        "report_no": clean_or_none(fields.get("report-no")),
        "license": clean_or_none(fields.get("license")),
        "withdrawn": says_withdrawn(comment, abstract),
    }


_RAW_VERSION = f"{OAI_ARXIV_RAW}version"
_RAW_FIELDS = {
    f"{OAI_ARXIV_RAW}{name}": name
    for name in (
        "id", "submitter", "title", "authors", "categories", "comments", "proxy", "report-no",
        "acm-class", "msc-class", "journal-ref", "doi", "license", "abstract",
    )
}  # fmt: skip  # a list of names reads better in rows than one a line
_RAW_VERSION_PARTS = {f"{OAI_ARXIV_RAW}{name}": name for name in ("date", "size", "source_type")}


def _arxiv_raw(content: etree._Element, identifier: str, legacy: bool) -> PaperRecord:
    fields: dict[str, str] = {}
    versions: list[VersionRecord] = []
    for child in content:
        tag = child.tag
        if tag == _RAW_VERSION:
            parts = {_RAW_VERSION_PARTS.get(c.tag): c.text for c in child}
            date = parts.get("date")
            versions.append(
                VersionRecord(
                    int(child.get("version", "").strip().lstrip("vV")),
                    submitted=parse_rfc2822(date).astimezone(dt.UTC) if date else None,
                    size=clean_or_none(parts.get("size")),
                    source_type=clean_or_none(parts.get("source_type")),
                )
            )
        elif isinstance(tag, str):
            name = _RAW_FIELDS.get(tag) or tag.rpartition("}")[2]
            fields[name] = child.text or "" if not len(child) else text_of(child)
    versions.sort(key=lambda v: v.version)
    common = _common(fields)
    if versions and "I" in (versions[-1].source_type or ""):
        common["withdrawn"] = True  # the latest version's source is the withdrawal notice
    first = versions[0] if versions and versions[0].version == 1 else None
    return PaperRecord(
        arxiv_id=_arxiv_id(fields, identifier),
        version=versions[-1].version if versions else 1,
        version_exact=bool(versions),
        authors=split_authors(fields.get("authors"), raw=True),
        published=first.submitted if first else None,
        updated=versions[-1].submitted if versions else None,
        versions=tuple(versions),
        **common,
    )


_AUTHORS = f"{OAI_ARXIV}authors"
_AUTHOR_PARTS = {
    f"{OAI_ARXIV}{name}": name for name in ("keyname", "forenames", "suffix", "affiliation")
}


def _arxiv(content: etree._Element, identifier: str, legacy: bool) -> PaperRecord:
    fields: dict[str, str] = {}
    authors: list[AuthorRecord] = []
    for child in content:
        tag = child.tag
        if tag == _AUTHORS:
            for author in child:
                parts: dict[str | None, str] = {}
                affiliations: list[str] = []
                for part in author:
                    name = _AUTHOR_PARTS.get(part.tag)
                    if name == "affiliation":
                        affiliations.append(part.text or "")
                    else:
                        parts[name] = part.text or ""
                parsed = author_from_parts(
                    parts.get("keyname"), parts.get("forenames"), parts.get("suffix"), affiliations
                )
                if parsed is not None:
                    authors.append(parsed)
        elif isinstance(tag, str):
            fields[tag.rpartition("}")[2]] = text_of(child)
    created = parse_day(fields["created"]) if clean(fields.get("created")) else None
    later = parse_day(fields["updated"]) if clean(fields.get("updated")) else None
    if legacy:
        published, updated = created, later or created
        version, exact = (2, False) if later else (1, True)
        versions = (VersionRecord(1, submitted=created),) if created else ()
    else:
        published, updated = None, created
        version, exact, versions = 1, False, ()
    return PaperRecord(
        arxiv_id=_arxiv_id(fields, identifier),
        version=version,
        version_exact=exact,
        authors=tuple(authors),
        published=published,
        updated=updated,
        versions=versions,
        **_common(fields),
    )


def _arxiv_old(content: etree._Element, identifier: str, legacy: bool) -> PaperRecord:
    fields = _fields(content)
    return PaperRecord(
        arxiv_id=_arxiv_id(fields, identifier),
        version=1,
        version_exact=False,
        authors=split_authors(fields.get("authors"), raw=True),
        **_common(fields),
    )


def _oai_dc(content: etree._Element, identifier: str, legacy: bool) -> PaperRecord:
    values: dict[str, list[str]] = {}
    for child in content:
        if isinstance(child.tag, str) and child.tag.startswith(DC):
            values.setdefault(child.tag[len(DC) :], []).append(clean(text_of(child)))
    arxiv_id = None
    doi = journal_ref = None
    for value in values.get("identifier", []):
        if value.lower().startswith("doi:"):
            doi = clean(value[4:]) or None
        elif "arxiv.org/abs/" in value:
            arxiv_id = arxiv_id or parse_arxiv_id(value).id
        elif value and "://" not in value:
            journal_ref = value
    descriptions = values.get("description", [])
    comment = None
    if len(descriptions) > 1:
        comment = clean(descriptions[1].removeprefix("Comment:")) or None
    abstract = descriptions[0] if descriptions else ""
    dates = [parse_day(d) for d in values.get("date", []) if d]
    return PaperRecord(
        arxiv_id=arxiv_id or parse_arxiv_id(identifier).id,
        version=max(len(dates), 1),
        version_exact=len(dates) == 1,
        title=(values.get("title") or [""])[0],
        abstract=abstract,
        authors=tuple(a for a in map(_dc_creator, values.get("creator", [])) if a),
        published=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        comment=comment,
        journal_ref=journal_ref,
        doi=doi,
        withdrawn=says_withdrawn(comment, abstract),
        versions=(VersionRecord(1, submitted=dates[0]),) if dates else (),
    )


def _dc_creator(text: str) -> AuthorRecord | None:
    """``Keyname Suffix, Forenames`` as ``Forenames Keyname Suffix``, the feeds' order."""
    keyname, _, forenames = text.partition(", ")
    return author_from_parts(keyname, forenames, None, [])


_READERS: dict[str, Callable[[etree._Element, str, bool], PaperRecord]] = {
    f"{OAI_ARXIV_RAW}arXivRaw": _arxiv_raw,
    f"{OAI_ARXIV}arXiv": _arxiv,
    f"{OAI_DC}dc": _oai_dc,
    f"{OAI_ARXIV_OLD}arXivOld": _arxiv_old,
}

"""The daily feeds of rss.arxiv.org: RSS 2.0 (``/rss/<query>``) and Atom (``/atom/<query>``).

A feed item is one paper as announced on one day in one feed. It carries the version (in
the guid), the announce type, the categories (primary first: the service writes the
paper's ``abs_categories`` in order) and no submission dates: ``published`` and
``updated`` stay None, and the day goes into ``announcement``.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

from lxml import etree

from crawler.ids import InvalidArxivId, parse_arxiv_id
from crawler.parse.errors import ParseError
from crawler.parse.text import (
    clean,
    clean_or_none,
    ordered_categories,
    parse_iso,
    parse_rfc2822,
    split_authors,
)
from crawler.parse.xml import ARXIV, ATOM, DC, DEFAULT_MAX_BYTES, parse_xml, text_of
from crawler.records import AnnouncementRecord, PaperRecord, ParsedDocument

ERROR_TITLE = "Feed error for query:"

# "arXiv:<id>v<N> Announce Type: <type> \nAbstract: <abstract>"
_DESCRIPTION = re.compile(
    r"\s*arXiv:(\S+?)v(\d+)\s+Announce Type:\s*(\S+)\s+Abstract:\s*(.*)", re.DOTALL
)
_QUERY = re.compile(r"/(?:rss|atom)/([^?#\s]*)")


def parse_rss(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    """Parse an RSS 2.0 or Atom feed from rss.arxiv.org."""
    return rss_from_root(parse_xml(data, max_bytes=max_bytes))


def rss_from_root(root: etree._Element) -> ParsedDocument:
    if root.tag == "rss":
        return _rss2(root)
    if root.tag == f"{ATOM}feed":
        return _atom(root)
    raise ParseError(f"not an arXiv feed: root element is <{etree.QName(root).localname}>")


def feed_categories(query: str | None) -> tuple[str, ...]:
    return tuple(part for part in (query or "").split("+") if part)


def _query_of(link: str | None) -> str | None:
    match = _QUERY.search(link or "")
    return unquote(match.group(1)) if match and match.group(1) else None


def _rss2(root: etree._Element) -> ParsedDocument:
    channel = root.find("channel")
    if channel is None:
        raise ParseError("RSS document has no <channel>")
    title = clean(channel.findtext("title"))
    query = _query_of(channel.findtext("link"))
    if title.startswith(ERROR_TITLE):
        return ParsedDocument(
            kind="rss",
            error=clean(channel.findtext("description")) or title,
            feed_query=query or clean(title.removeprefix(ERROR_TITLE)),
        )
    document = ParsedDocument(kind="rss", feed_query=query)
    categories = feed_categories(query)
    channel_date = channel.findtext("pubDate")
    for index, item in enumerate(channel.iterfind("item"), 1):
        fields: dict[str, str] = {}
        terms: list[str] = []
        for child in item:
            if child.tag == "category":
                terms.append(clean(child.text))
            elif isinstance(child.tag, str):
                fields[child.tag] = text_of(child)
        try:
            date = fields.get("pubDate") or channel_date
            document.papers.append(
                _paper(
                    fields,
                    title=fields.get("title"),
                    identifier=fields.get("guid") or fields.get("link"),
                    description=fields.get("description"),
                    terms=terms,
                    # The day as printed, in its own offset (midnight in America/New_York).
                    day=parse_rfc2822(date).date() if date else None,
                    feed_cats=categories,
                )
            )
        except (InvalidArxivId, ValueError) as exc:
            document.problems.append(f"item {index}: {exc}")
    return document


def _atom(root: etree._Element) -> ParsedDocument:
    query = _query_of(root.findtext(f"{ATOM}id"))
    if query is None:
        link = root.find(f"{ATOM}link[@rel='self']")
        query = _query_of(link.get("href") if link is not None else None)
    title = clean(root.findtext(f"{ATOM}title"))
    if title.startswith(ERROR_TITLE):
        return ParsedDocument(
            kind="atom-feed",
            error=clean(root.findtext(f"{ATOM}subtitle")) or title,
            feed_query=query or clean(title.removeprefix(ERROR_TITLE)),
        )
    document = ParsedDocument(kind="atom-feed", feed_query=query)
    categories = feed_categories(query)
    for index, entry in enumerate(root.iterfind(f"{ATOM}entry"), 1):
        fields: dict[str, str] = {}
        terms: list[str] = []
        for child in entry:
            if child.tag == f"{ATOM}category":
                terms.append(clean(child.get("term")))
            elif isinstance(child.tag, str):
                fields[child.tag] = text_of(child)
        try:
            published = fields.get(f"{ATOM}published")
            document.papers.append(
                _paper(
                    fields,
                    title=fields.get(f"{ATOM}title"),
                    identifier=fields.get(f"{ATOM}id"),
                    description=fields.get(f"{ATOM}summary"),
                    terms=terms,
                    day=_own_offset(published).date() if published else None,
                    feed_cats=categories,
                )
            )
        except (InvalidArxivId, ValueError) as exc:
            document.problems.append(f"entry {index}: {exc}")
    return document


def _own_offset(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    return value if value.tzinfo else parse_iso(text)


def _paper(
    fields: dict[str, str],
    *,
    title: str | None,
    identifier: str | None,
    description: str | None,
    terms: list[str],
    day: dt.date | None,
    feed_cats: tuple[str, ...],
) -> PaperRecord:
    """One item; ``fields`` maps the item's arxiv: and dc: element tags to their text."""
    match = _DESCRIPTION.match(description or "")
    if identifier:
        arxiv = parse_arxiv_id(identifier)
    elif match:
        arxiv = parse_arxiv_id(match.group(1))
    else:
        raise ValueError("no arXiv identifier")
    version = arxiv.version
    if version is None and match:
        version = int(match.group(2))
    announce_type = clean(fields.get(f"{ARXIV}announce_type")) or (match.group(3) if match else "")
    categories = ordered_categories(terms[0] if terms else None, terms)
    return PaperRecord(
        arxiv_id=arxiv.id,
        version=version or 1,
        version_exact=version is not None,
        title=clean(title),
        abstract=clean(match.group(4)) if match else clean(description),
        authors=split_authors(fields.get(f"{DC}creator"), raw=False),
        primary_category=categories[0] if categories else None,
        categories=categories,
        journal_ref=clean_or_none(fields.get(f"{ARXIV}journal_reference")),
        doi=clean_or_none(fields.get(f"{ARXIV}DOI")),
        license=clean_or_none(fields.get(f"{DC}rights")),
        announcement=(
            AnnouncementRecord(day, announce_type, feed_cats) if day and announce_type else None
        ),
    )

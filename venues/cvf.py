"""CVF open access (CVPR, ICCV, WACV): a conference's listing page as venue papers.

``openaccess.thecvf.com/<CONF><YEAR>?day=all`` lists every paper as a ``<dt class="ptitle">``
(its title, linking to the paper's page ``/content/<CONF><YEAR>/html/<key>.html``) followed
by ``<dd>`` elements: the authors (one ``<form class="authsearch">`` each, the name in its
hidden ``query_author`` input), then the links (``pdf``, ``supp``, ``arXiv``) and a BibTeX
block with the pages. The key of a paper is its page's file name without ``.html``; the
listing gives no abstract: each paper's page (``paper_path``) holds it in ``div#abstract``,
read by ``parse_abstract``.
"""

from __future__ import annotations

import re

from lxml import etree, html

from venues.names import parse_venue
from venues.records import ParsedVenue, VenueAuthor, VenueError, VenuePaperRecord
from venues.text import code_links, squeeze

SITE = "https://openaccess.thecvf.com"
CONFERENCES = ("CVPR", "ICCV", "WACV")
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})")
_PAGES = re.compile(r"pages\s*=\s*\{([^}]*)\}", re.IGNORECASE)


def listing_path(venue: str) -> str:
    """``CVPR.2024`` → ``/CVPR2024``; ``VenueError`` for a venue CVF does not publish."""
    parsed = parse_venue(venue)
    if parsed is None or parsed[0] not in CONFERENCES:
        raise VenueError(f"CVF open access publishes {', '.join(CONFERENCES)} only, not {venue!r}")
    return f"/{parsed[0]}{parsed[1]}"


def paper_path(venue: str, key: str) -> str:
    """The page of one paper: ``CVPR.2024``, ``<key>`` → ``/content/CVPR2024/html/<key>.html``."""
    return f"/content{listing_path(venue)}/html/{key}.html"


def parse_abstract(data: bytes, key: str) -> str:
    """The abstract on a paper's page; ``VenueError`` when the page has none."""
    try:
        root = html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise VenueError(f"CVF paper {key}: its page cannot be read ({exc})") from None
    found = root.xpath("//div[@id='abstract']")
    abstract = squeeze(found[0].text_content()) if found else ""
    if not abstract:
        raise VenueError(f"CVF paper {key}: its page has no abstract (no div#abstract)")
    return abstract


def parse_listing(data: bytes, venue: str) -> ParsedVenue:
    """The papers of a listing page; ``VenueError`` when the page lists none at all."""
    try:
        root = html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise VenueError(f"CVF {venue}: the listing page cannot be read ({exc})") from None
    parsed = ParsedVenue("cvf")
    titles = root.xpath("//dt[contains(concat(' ', normalize-space(@class), ' '), ' ptitle ')]")
    if not titles:
        raise VenueError(f"CVF {venue}: the page lists no paper (no <dt class=ptitle>)")
    for position, title in enumerate(titles, start=1):
        try:
            parsed.papers.append(_paper(title, venue, position))
        except VenueError as exc:
            parsed.problems.append(str(exc))
            parsed.skipped += 1
    return parsed


def _following_dds(title: etree._Element) -> list[etree._Element]:
    found = []
    for sibling in title.itersiblings():
        if sibling.tag != "dd":
            break
        found.append(sibling)
    return found


def _absolute(href: str) -> str:
    if href.startswith(("http://", "https://")):
        return href
    return f"{SITE}/{href.lstrip('/')}"


def _paper(title: etree._Element, venue: str, position: int) -> VenuePaperRecord:
    link = next(iter(title.xpath(".//a[@href]")), None)
    name = squeeze(title.text_content())
    if link is None or not name:
        raise VenueError(f"CVF {venue}: paper {position} has no title link; skipped")
    href = link.get("href", "")
    key = href.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
    if not key:
        raise VenueError(f"CVF {venue}: paper {position} ({name}) has no page; skipped")
    details = _following_dds(title)
    authors: list[VenueAuthor] = []
    links: dict[str, str] = {}
    pages = None
    for dd in details:
        for value in dd.xpath(".//input[@name='query_author']/@value"):
            if author := squeeze(str(value)):
                authors.append(VenueAuthor(author))
        for anchor in dd.xpath(".//a[@href]"):
            label = squeeze(anchor.text_content()).lower()
            target = anchor.get("href", "")
            if label and target and not target.startswith("#") and label not in links:
                links[label] = _absolute(target)
        for block in dd.xpath(".//div[contains(@class, 'bibref')]"):
            if match := _PAGES.search(block.text_content()):
                pages = squeeze(match.group(1)).replace("--", "-") or None
    arxiv = _ARXIV.search(links.get("arxiv", ""))
    extra: dict[str, object] = {}
    if arxiv:
        extra["arxiv"] = arxiv.group(1)
    if "supp" in links:
        extra["extras"] = [{"label": "supp", "url": links["supp"]}]
    return VenuePaperRecord(
        source="cvf",
        key=key,
        venue=venue,
        title=name,
        authors=tuple(authors),
        pages=pages,
        pdf_url=links.get("pdf"),
        landing_url=_absolute(href),
        code_links=code_links(*links.values()),
        extra=extra,
        position=position,
    )

"""Atom feeds of every list (``/arxiv/<categories>/feed``) and of searches.

A list's feed takes the list's parameters (date, types, keywords: only the matching papers
go into the feed, so that a keyword can be followed). The search feed (``?query=``, newest
first unless ``sort=relevance``) lists what ``search.search_papers`` finds.

Absolute links start at ``web.security.site_url``: BASE_URL when set, never a Host header
that ALLOWED_HOSTS does not allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawler.ids import abs_url, pdf_url
from models.db import reading
from models.queries import get_papers
from models.schema import Paper
from search import search_papers
from search.engine import Sort
from web.cache import page_cache
from web.errors import HTTPError
from web.listing import BadListRequest, ListRequest, fetch_list
from web.security import site_url
from web.tex import untex_accents

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
SEARCH_FEED_SIZE = 100
SORTS = ("date", "relevance")
EPOCH = dt.datetime(1991, 8, 14, tzinfo=dt.UTC)  # arXiv's first day: a feed needs an <updated>


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(parent: etree._Element, tag: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    # XML 1.0 forbids most control characters, which do turn up in old metadata.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _paper_updated(paper: Paper) -> dt.datetime:
    return paper.updated or paper.published or paper.modified_at or EPOCH


def atom_feed(
    *,
    title: str,
    feed_id: str,
    self_url: str,
    site_url: str,
    papers: Iterable[Paper],
    base_url: str,
) -> bytes:
    """An Atom document of ``papers`` (each with authors, categories, abstract and links)."""
    papers = list(papers)
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _text(feed, "title", title)
    _text(feed, "id", feed_id)
    _text(feed, "updated", _iso(max(map(_paper_updated, papers), default=EPOCH)))
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=site_url, type="text/html")
    _text(feed, "generator", "coolpapers")
    for paper in papers:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", abs_url(paper.id, paper.version))
        _text(entry, "title", untex_accents(paper.title), type="text")
        _text(entry, "updated", _iso(_paper_updated(paper)))
        if paper.published:
            _text(entry, "published", _iso(paper.published))
        for author in paper.authors:
            _text(etree.SubElement(entry, f"{{{ATOM}}}author"), "name", untex_accents(author.name))
        for category in paper.categories:
            etree.SubElement(entry, f"{{{ATOM}}}category", term=category.category)
        page = f"{base_url}/arxiv/{paper.id}"
        etree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=page, type="text/html")
        etree.SubElement(
            entry, f"{{{ATOM}}}link", rel="related", href=abs_url(paper.id), title="arXiv"
        )
        etree.SubElement(
            entry,
            f"{{{ATOM}}}link",
            rel="enclosure",
            href=pdf_url(paper.id),
            type="application/pdf",
            title="PDF",
        )
        _text(entry, "summary", untex_accents(paper.abstract or ""), type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8")


def _base_url(request: Request) -> str:
    return site_url(request, request.app.state.settings)


def _this_url(request: Request) -> str:
    """The URL of this feed, on the site's base."""
    query = request.url.query
    return _base_url(request) + request.url.path + (f"?{query}" if query else "")


def feed_response(body: bytes) -> Response:
    return Response(body, media_type=MEDIA_TYPE)


async def list_feed(request: Request, key: str) -> Response:
    """A list's feed, kept in the site's page cache like the list itself (ETag, 304, gzip):
    readers' feed clients poll it far more often than the list changes."""
    sessions = request.app.state.sessions
    base = _base_url(request)

    async def render() -> Response:  # only a feed not in the cache is queried and built
        try:
            wanted = ListRequest.parse(key, request.query_params)
        except BadListRequest as error:
            raise HTTPError(error.status, error.message) from None
        async with reading(sessions) as session:
            result = await fetch_list(session, wanted)
        papers = [e.item.paper for e in result.entries if e.verdict is None or e.verdict.matches]
        path = f"/arxiv/{wanted.expression}"
        query = wanted.query(view=None, sort=None)
        title = f"coolpapers: {wanted.expression.label}"
        if wanted.keywords.include:
            title += " [" + ", ".join(wanted.keywords.include) + "]"
        body = atom_feed(
            title=title,
            feed_id=f"{base}{path}/feed" + (f"?{query}" if query else ""),
            self_url=_this_url(request),
            site_url=f"{base}{path}" + (f"?{query}" if query else ""),
            papers=papers,
            base_url=base,
        )
        return feed_response(body)

    # The feed's links are absolute: its base is part of the key, and its self link holds the
    # query as asked.
    cached = ("feed", base, request.scope["path"], request.scope["query_string"])
    return await page_cache(request).page(cached, sessions, render, request.headers)


async def search_hits(session, query: str, limit: int, sort: Sort = "date") -> list[Paper]:
    """The papers that ``query`` finds (newest first for a feed); none for a blank query."""
    if not query.strip():
        return []
    found = await search_papers(session, query, limit=limit, sort=sort)
    return await get_papers(session, [hit.paper.id for hit in found.hits])


async def search_feed(request: Request) -> Response:
    query = request.query_params.get("query", request.query_params.get("q", ""))[:500]
    sort = request.query_params.get("sort") or "date"
    if sort not in SORTS:
        raise HTTPError(400, f"sort must be one of {', '.join(SORTS)}, got {sort[:40]!r}")
    async with reading(request.app.state.sessions) as session:
        papers = await search_hits(session, query, SEARCH_FEED_SIZE, sort)
    base = _base_url(request)
    body = atom_feed(
        title=f"coolpapers search: {query}" if query else "coolpapers search",
        feed_id=_this_url(request),
        self_url=_this_url(request),
        site_url=f"{base}/search?" + str(request.url.query),
        papers=papers,
        base_url=base,
    )
    return feed_response(body)


routes = [Route("/arxiv/search/feed", search_feed, name="search_feed")]

"""The venue branch of the site: ``/venue`` (venues by field and year), ``/venue/<NAME>.<YEAR>``
(its papers, filtered by track, decision and arXiv version, with the reading tools of the arXiv
lists: the keyword bar, stars, numbers, [FAQ] and [Related] in place, the keys, "for you", seen
papers), a page per venue paper with its FAQ (``/venue/<source>:<key>``),
``/venue/<NAME>.<YEAR>/feed``, ``GET /api/venue/<NAME>.<YEAR>`` and
``GET /api/papers/<source>:<key>`` (``OPENAPI`` describes the API routes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from lxml import etree
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.plain import driver_connection
from models.queries import get_paper
from venues.names import PAPER_SOURCES, VENUE_PAPER_ID, parse_venue
from venues.store import (
    VenueEntry,
    venue_counts,
    venue_facets,
    venue_paper,
    venue_papers,
    venue_volumes,
    venues_of_arxiv,
)
from web import openapi
from web.errors import HTTPError
from web.i18n import preferences
from web.keywords import KeywordFilter
from web.security import site_url
from web.templating import entry_pieces, spliced_response, templates

ATOM = "http://www.w3.org/2005/Atom"


class VenuePaperIdConvertor(Convertor[str]):
    """A venue paper's id: ``acl:2024.acl-long.1``, ``pmlr:v247/agrawal24a``."""

    regex = VENUE_PAPER_ID

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("venue_paper_id", VenuePaperIdConvertor())


async def _known(request: Request) -> list[str]:
    async with request.app.state.sessions() as session:
        return sorted(c.venue for c in await venue_counts(session))


async def _venue(request: Request, text: str) -> str:
    """The venue named ``text`` when this archive holds it, else a 404 listing those it does."""
    parsed = parse_venue(text)
    known = await _known(request)
    wanted = f"{parsed[0]}.{parsed[1]}" if parsed else None
    match = next((v for v in known if wanted and v.lower() == wanted.lower()), None)
    if match is None:
        listed = ", ".join(known) or "none yet"
        raise HTTPError(
            404, f"no venue '{text[:80]}' in this archive; known venues: {listed}", known=known
        )
    return match


# ``?arxiv=``: only the papers that are also on arXiv, or only those that are not.
ARXIV_FILTERS = ("only", "hide")


def _filters(request: Request) -> tuple[str | None, str | None, str | None]:
    track = request.query_params.get("track") or None
    decision = request.query_params.get("decision") or None
    for name, value in (("track", track), ("decision", decision)):
        if value is not None and len(value) > 128:
            raise HTTPError(400, f"{name} is too long")
    arxiv = request.query_params.get("arxiv") or None
    if arxiv is not None and arxiv not in ARXIV_FILTERS:
        raise HTTPError(400, f"arxiv must be one of {', '.join(ARXIV_FILTERS)}, not {arxiv[:40]!r}")
    return track, decision, arxiv


async def venues_index(request: Request) -> Response:
    async with request.app.state.sessions() as session:
        counts = await venue_counts(session)
    fields: dict[str, list] = {}
    for count in counts:
        fields.setdefault(count.field, []).append(count)
    return templates.TemplateResponse(request, "venues.html", {"fields": fields})


async def venue_route(request: Request) -> Response:
    key = request.path_params["key"].strip("/")
    if key.split(":", 1)[0] in PAPER_SOURCES and ":" in key:
        return await venue_paper_page(request, key)
    if key.endswith("/feed"):
        return await venue_feed(request, key.removesuffix("/feed"))
    return await venue_page(request, key)


async def _entries(request: Request, venue: str) -> list[VenueEntry]:
    track, decision, arxiv = _filters(request)
    async with request.app.state.sessions() as session:
        return await venue_papers(session, venue, track=track, decision=decision, arxiv=arxiv)


def _linker(venue: str, current: dict[str, str | None], keywords: KeywordFilter):
    """``link(track=..., keywords=False)``: this list's address with some filters changed."""

    def link(*, keep_keywords: bool = True, **changes: str | None) -> str:
        wanted = {**current, **changes}
        items = [(name, value) for name, value in wanted.items() if value]
        if keep_keywords:
            items += keywords.query_items()
        return f"/venue/{venue}" + (f"?{urlencode(items)}" if items else "")

    return link


async def venue_page(request: Request, key: str) -> Response:
    venue = await _venue(request, key)
    entries = await _entries(request, venue)
    total = len(entries)
    track, decision, arxiv = _filters(request)
    keywords = KeywordFilter.from_query(request.query_params)
    verdicts = {}
    matching = total
    if keywords.active:
        matcher = keywords.matcher()
        verdicts = {e.paper.id: matcher.judge(e.paper) for e in entries}
        matching = sum(v.matches for v in verdicts.values())
        if keywords.only:
            entries = [e for e in entries if verdicts[e.paper.id].matches]
    async with request.app.state.sessions() as session:
        tracks, decisions = await venue_facets(session, venue)
        volumes = await venue_volumes(session, venue)
    filters = {"track": track, "decision": decision, "arxiv": arxiv}
    link = _linker(venue, filters, keywords)
    context = {
        "venue": venue,
        "entries": entries,
        "total": total,
        "matching": matching,
        "verdicts": verdicts,
        "tracks": tracks,
        "decisions": decisions,
        "track": track,
        "decision": decision,
        "arxiv": arxiv,
        "volumes": volumes,
        "keywords": keywords,
        "link": link,
        "path": f"/venue/{venue}",
        "filters": [(name, value) for name, value in filters.items() if value],
        "clear_url": link(keep_keywords=False),
        "highlight": keywords.matcher().highlight,
    }
    shown = ((e.paper, None, verdicts.get(e.paper.id), None, e.venue) for e in entries)
    papers = entry_pieces(shown, context["highlight"], preferences(request).lang)
    return spliced_response(request, "venue.html", context, {"papers": papers})


async def venue_paper_page(request: Request, paper_id: str) -> Response:
    async with request.app.state.sessions() as session:
        paper = await get_paper(session, paper_id)
        info = await venue_paper(session, paper_id)
        if paper is None or paper.hidden or info is None:
            raise HTTPError(404, f"no paper {paper_id[:80]} in this archive")
        arxiv = await get_paper(session, info.arxiv_id) if info.arxiv_id else None
    context = {"paper": paper, "info": info, "arxiv": arxiv}
    return templates.TemplateResponse(request, "venue_paper.html", context)


async def venue_feed(request: Request, key: str) -> Response:
    venue = await _venue(request, key)
    entries = await _entries(request, venue)
    base = site_url(request, request.app.state.settings).rstrip("/")
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})

    def text(parent: etree._Element, tag: str, value: str) -> None:
        etree.SubElement(parent, f"{{{ATOM}}}{tag}").text = value

    text(feed, "title", f"{venue} · coolpapers")
    text(feed, "id", f"{base}/venue/{venue}")
    stamps = [e.paper.modified_at for e in entries if e.paper.modified_at]
    text(feed, "updated", max(stamps, default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).isoformat())
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base}/venue/{venue}/feed")
    for e in entries:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        text(entry, "id", f"{base}/venue/{e.paper.id}")
        text(entry, "title", e.paper.title)
        text(entry, "updated", (e.paper.modified_at or dt.datetime.now(dt.UTC)).isoformat())
        for author in e.paper.authors:
            text(etree.SubElement(entry, f"{{{ATOM}}}author"), "name", author.name)
        etree.SubElement(
            entry, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/venue/{e.paper.id}"
        )
        if e.venue.pdf_url:
            etree.SubElement(
                entry,
                f"{{{ATOM}}}link",
                rel="enclosure",
                href=e.venue.pdf_url,
                type="application/pdf",
            )
        text(entry, "summary", e.paper.abstract or "")
    body = etree.tostring(feed, xml_declaration=True, encoding="utf-8")
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def venue_paper_json(entry: VenueEntry) -> dict[str, object]:
    paper, info = entry.paper, entry.venue
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": [a.name for a in paper.authors],
        "abstract": paper.abstract or "",
        "track": info.track,
        "decision": info.decision,
        "pdf_url": info.pdf_url,
        "arxiv_id": info.arxiv_id,
    }


async def api_venue(request: Request) -> JSONResponse:
    venue = await _venue(request, request.path_params["venue"])
    entries = await _entries(request, venue)
    return JSONResponse({"venue": venue, "papers": [venue_paper_json(e) for e in entries]})


async def api_venue_paper(request: Request) -> JSONResponse:
    paper_id = request.path_params["paper_id"]
    async with request.app.state.sessions() as session:
        paper = await get_paper(session, paper_id)
        info = await venue_paper(session, paper_id)
    if paper is None or paper.hidden or info is None:
        raise HTTPError(404, f"no paper {paper_id[:80]} in this archive")
    data = venue_paper_json(VenueEntry(paper, info))
    landing = info.landing_url or info.pdf_url or ""
    data.update(
        version=paper.version,
        categories=[],
        abs_url=landing,
        pdf_url=info.pdf_url or landing,
        venue=info.venue,
        pages=info.pages,
        landing_url=info.landing_url,
        keywords=list(info.keywords or []),
        tldr=info.tldr,
        code_links=[{"url": u, "host": u.split("/")[2], "own": True} for u in info.code_links],
        published=paper.published.isoformat() if paper.published else None,
    )
    return JSONResponse(data)


@dataclass(frozen=True, slots=True)
class VenueLink:
    """What the paper page shows of a venue paper linked to it."""

    paper_id: str
    venue: str
    track: str | None


_SQLITE_VENUES = "SELECT paper_id, venue, track FROM venue_papers WHERE arxiv_id = ? ORDER BY venue"


async def arxiv_venues(session, arxiv_id: str) -> list:
    """The venue papers linked to an arXiv paper (its page shows them): on SQLite one read on
    the session's sqlite3 connection."""
    direct = await driver_connection(session)
    if direct is None:
        return await venues_of_arxiv(session, arxiv_id)
    return [VenueLink(*row) for row in direct.execute(_SQLITE_VENUES, (arxiv_id,))]


routes = [
    Route("/venue", venues_index, name="venues"),
    Route("/venue/{key:path}", venue_route, name="venue"),
    Route("/api/venue/{venue}", api_venue, name="api_venue"),
    Route("/api/papers/{paper_id:venue_paper_id}", api_venue_paper, name="api_venue_paper"),
]

_FILTERS = [
    openapi.query_parameter(
        "track", "Only the papers of this track or volume.", {"type": "string", "maxLength": 128}
    ),
    openapi.query_parameter(
        "decision",
        "Only the papers with this decision (oral, spotlight, poster).",
        {"type": "string", "maxLength": 128},
    ),
    openapi.query_parameter(
        "arxiv",
        "only: just the papers also on arXiv; hide: just those that are not.",
        {"type": "string", "enum": list(ARXIV_FILTERS)},
    ),
]
_NULLABLE = {"type": ["string", "null"]}

OPENAPI = openapi.Description(
    {
        "/api/venue/{venue}": {
            "get": {
                "operationId": "getVenue",
                "summary": "The accepted papers of a venue, in the proceedings' order",
                "tags": ["venues"],
                "parameters": [
                    openapi.path_parameter("venue", "NAME.YEAR, e.g. ACL.2017 or ICLR.2024."),
                    *_FILTERS,
                ],
                "responses": {
                    "200": openapi.json_response("The venue and its papers", "VenuePapers"),
                    "400": openapi.error_response("A filter out of its range"),
                    "404": openapi.error_response("Not a venue of this archive (lists them)"),
                },
            }
        },
    },
    {
        "VenuePapers": {
            "type": "object",
            "required": ["venue", "papers"],
            "properties": {
                "venue": {"type": "string", "examples": ["ACL.2024"]},
                "papers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "title", "authors", "abstract"],
                        "properties": {
                            "id": {"type": "string", "examples": ["acl:2024.acl-long.1"]},
                            "title": {"type": "string"},
                            "authors": {"type": "array", "items": {"type": "string"}},
                            "abstract": {"type": "string"},
                            "track": _NULLABLE,
                            "decision": _NULLABLE,
                            "pdf_url": _NULLABLE,
                            "arxiv_id": _NULLABLE,
                        },
                    },
                },
            },
        }
    },
)

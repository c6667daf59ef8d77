"""Popularity: what readers star, open the FAQ of and click the PDF of, counted anonymously.

``POST /api/events`` with ``{"paper": id, "kind": "star"|"faq"|"pdf", "browser": id}`` from
the site's own pages counts one event; ``browser`` is a random id the browser keeps, stored
only as the SHA-256 of itself and the day, so that a browser counts at most once per paper,
kind and day (a replayed request counts nothing), and a client may send at most
``EVENTS_PER_CLIENT`` events per ``EVENTS_WINDOW`` seconds. ``/arxiv/<categories>/top`` lists
the most read papers of a day, week or month, with its Atom feed; the lists' ``sort=popular``
uses the same counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.popularity import EVENT_KINDS, PaperEvent
from models.queries import get_papers
from models.schema import Paper, PaperCategory
from venues.names import parse_paper_id
from web import feeds, openapi
from web.categories import InvalidCategories, parse_categories
from web.errors import HTTPError, json_object
from web.security import client_address, same_site
from web.templating import templates

EVENTS_PER_CLIENT = 120  # events a client may send per window
EVENTS_WINDOW = 3600.0
WINDOWS = {"day": 1, "week": 7, "month": 30}
TOP_SIZE = 50
BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}", re.ASCII)


def visitor(browser: str, day: dt.date) -> str:
    """What is stored of a browser on ``day``: a digest that changes every day."""
    return hashlib.sha256(f"{day.isoformat()}:{browser}".encode()).hexdigest()


def today(request: Request) -> dt.date:
    return request.app.state.clock.now().astimezone(dt.UTC).date()


async def record(
    session: AsyncSession, paper_id: str, kind: str, browser: str, day: dt.date
) -> bool:
    """Count one event; False when this browser was counted for it already today."""
    row = PaperEvent(paper_id=paper_id, kind=kind, day=day, visitor=visitor(browser, day))
    once = (
        select(PaperEvent.id)
        .where(PaperEvent.paper_id == paper_id, PaperEvent.kind == kind)
        .where(PaperEvent.day == day, PaperEvent.visitor == row.visitor)
    )
    if await session.scalar(once) is not None:
        return False
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:  # the same event, counted by a request running alongside
        await session.rollback()
        return False
    return True


@dataclass(frozen=True, slots=True)
class Counts:
    """A paper's events in a window, by kind."""

    star: int = 0
    faq: int = 0
    pdf: int = 0

    @property
    def total(self) -> int:
        return self.star + self.faq + self.pdf


def since(day: dt.date, window: str) -> dt.date:
    return day - dt.timedelta(days=WINDOWS[window] - 1)


async def counts(
    session: AsyncSession, ids: Sequence[str], first: dt.date, last: dt.date
) -> dict[str, Counts]:
    """The events of the papers ``ids`` from ``first`` to ``last``, by paper."""
    found: dict[str, dict[str, int]] = {}
    if not ids:
        return {}
    statement = (
        select(PaperEvent.paper_id, PaperEvent.kind, func.count())
        .where(PaperEvent.paper_id.in_(list(dict.fromkeys(ids))))
        .where(PaperEvent.day >= first, PaperEvent.day <= last)
        .group_by(PaperEvent.paper_id, PaperEvent.kind)
    )
    for paper_id, kind, n in await session.execute(statement):
        found.setdefault(paper_id, {})[kind] = n
    return {i: Counts(**by_kind) for i, by_kind in found.items()}


async def top_papers(
    session: AsyncSession,
    include: Sequence[str],
    exclude: Sequence[str],
    first: dt.date,
    last: dt.date,
    limit: int = TOP_SIZE,
) -> list[tuple[Paper, Counts]]:
    """The visible papers of ``include`` (none of ``exclude``) with the most events from
    ``first`` to ``last``, most first (ties by id)."""
    in_categories = select(PaperCategory.paper_id).where(PaperCategory.category.in_(include))
    total = func.count().label("total")
    statement = (
        select(PaperEvent.paper_id, total)
        .where(PaperEvent.day >= first, PaperEvent.day <= last)
        .where(PaperEvent.paper_id.in_(in_categories))
        .group_by(PaperEvent.paper_id)
        .order_by(total.desc(), PaperEvent.paper_id)
        .limit(limit * 2)
    )
    if exclude:
        excluded = select(PaperCategory.paper_id).where(PaperCategory.category.in_(exclude))
        statement = statement.where(PaperEvent.paper_id.not_in(excluded))
    ranked = [paper_id for paper_id, _ in await session.execute(statement)]
    papers = (await get_papers(session, ranked))[:limit]
    by_paper = await counts(session, [p.id for p in papers], first, last)
    return [(p, by_paper.get(p.id, Counts())) for p in papers]


async def events_api(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    if not same_site(request, settings):
        raise HTTPError(403, "events are counted only from this site's pages")
    body = await json_object(request, '{"paper", "kind", "browser"}')
    kind, browser, raw = body.get("kind"), body.get("browser"), body.get("paper")
    if kind not in EVENT_KINDS:
        raise HTTPError(400, f"kind must be one of {', '.join(EVENT_KINDS)}")
    if not isinstance(browser, str) or not BROWSER_ID.fullmatch(browser):
        raise HTTPError(400, "browser must be 16 to 64 letters, digits, - or _")
    try:
        paper_id = parse_paper_id(raw) if isinstance(raw, str) else ""
    except ValueError:
        paper_id = ""
    if not paper_id:
        raise HTTPError(400, "paper must be an arXiv id or a venue paper's id")
    wait = request.app.state.event_limiter.hit(client_address(request, settings))
    if wait is not None:
        retry = str(max(1, round(wait)))
        raise HTTPError(429, "too many events from this client", {"Retry-After": retry})
    async with request.app.state.sessions() as session:
        paper = await session.get(Paper, paper_id)
        if paper is None or paper.hidden:
            raise HTTPError(404, f"no paper {paper_id} in this archive")
        counted = await record(session, paper_id, kind, browser, today(request))
    return JSONResponse({"counted": counted}, status_code=202)


def _window(request: Request) -> str:
    window = request.query_params.get("window") or "week"
    if window not in WINDOWS:
        raise HTTPError(400, "window must be one of day, week, month")
    return window


async def _top(request: Request, key: str):
    try:
        expression = parse_categories(key)
    except InvalidCategories:
        raise HTTPError(404, f"'{key[:80]}' is not a category") from None
    window = _window(request)
    last = today(request)
    async with request.app.state.sessions() as session:
        top = await top_papers(
            session, expression.include, expression.exclude, since(last, window), last
        )
    return expression, window, top


async def top_page(request: Request, key: str) -> Response:
    """``/arxiv/<categories>/top?window=day|week|month``: the most read papers."""
    expression, window, top = await _top(request, key)
    path = "/arxiv/" + str(expression)
    context = {
        "expression": expression,
        "window": window,
        "windows": list(WINDOWS),
        "top": top,
        "path": path,
    }
    response = templates.TemplateResponse(request, "top.html", context)
    response.headers["Cache-Control"] = "no-cache"
    return response


async def top_feed(request: Request, key: str) -> Response:
    """``/arxiv/<categories>/top/feed?window=...``: the same papers as an Atom feed."""
    expression, window, top = await _top(request, key)
    base = feeds._base_url(request)
    url = f"{base}/arxiv/{expression}/top?window={window}"
    body = feeds.atom_feed(
        title=f"coolpapers: most read in {expression.label} ({window})",
        feed_id=url + "&feed",
        self_url=feeds._this_url(request),
        site_url=url,
        papers=[paper for paper, _ in top],
        base_url=base,
    )
    return feeds.feed_response(body)


routes = [Route("/api/events", events_api, methods=["POST"], name="api_events")]

_WINDOW = openapi.query_parameter(
    "window",
    "day, week (the default) or month: the days counted, up to today.",
    openapi.optional({"type": "string", "enum": list(WINDOWS), "default": "week"}),
)
_CATEGORIES = openapi.path_parameter(
    "categories", "A category expression, as in /api/list/{categories}."
)
OPENAPI = openapi.Description(
    {
        "/api/events": {
            "post": {
                "operationId": "countEvent",
                "summary": "Count a star, a FAQ opened or a PDF clicked (this site's pages)",
                "description": "At most once per browser, paper, kind and day: `browser` is a"
                " random id the browser keeps, stored only as a digest of itself and the day."
                f" At most {EVENTS_PER_CLIENT} events per client per hour.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["paper", "kind", "browser"],
                                "properties": {
                                    "paper": {"type": "string"},
                                    "kind": {"type": "string", "enum": list(EVENT_KINDS)},
                                    "browser": {"type": "string", "pattern": BROWSER_ID.pattern},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "202": openapi.json_response(
                        "Whether it counted (false: counted already today)",
                        {
                            "type": "object",
                            "required": ["counted"],
                            "properties": {"counted": {"type": "boolean"}},
                        },
                    ),
                    "400": openapi.error_response("Not JSON, or a bad paper, kind or browser"),
                    "403": openapi.error_response("Not sent from this site's pages"),
                    "404": openapi.error_response("No such paper in this archive"),
                    "413": openapi.error_response("The body is too large"),
                    "429": openapi.error_response(
                        "Too many events from this client", **{"Retry-After": "Seconds to wait"}
                    ),
                },
            }
        },
        "/arxiv/{categories}/top/feed": {
            "get": {
                "operationId": "topFeed",
                "summary": "The Atom feed of the most read papers of some categories",
                "tags": ["feeds"],
                "parameters": [_CATEGORIES, _WINDOW],
                "responses": {
                    "200": {
                        "description": "An Atom feed",
                        "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                    },
                    "400": openapi.error_response("A malformed window", page=True),
                    "404": openapi.error_response("Not a category expression", page=True),
                },
            }
        },
    }
)

"""Search: the ``/search`` page and ``/api/search``.

``GET /api/search?q=&category=&from=&until=&sort=relevance|date&limit=&offset=`` answers
``{"query", "total", "total_exact", "sort", "limit", "offset", "spans", "results": [...]}``
(``total_exact`` false: at least ``total`` papers match, a broad query's count stops there);
each result has ``id``, ``title``, ``abstract``, ``authors``, ``categories``, ``date`` (first
version, ISO day), ``score`` (higher is better), ``highlights``: ``{"title": [[start, end],
...], "abstract": [...]}``, offsets in characters (Unicode code points, as Python counts them;
not UTF-16 units) into ``title`` and ``abstract``, end exclusive, ``matched``: the fields the
query matched in (``title``, ``abstract``, ``authors``, ``body``: the paper's full text), and
``body``: for a paper whose title and abstract do not match, a few lines of its body around the
match, ``{"section": {"anchor", "number", "title"}, "snippet", "highlights"}`` (null
otherwise). ``q`` may hold anything: it is
never an error. ``category`` may be repeated or comma-separated, up to ``MAX_CATEGORIES``
categories (``cs.AI``) or archives (``cs``, ``cs.*``, ``hep-th``); ``from`` and ``until`` take
``2024``, ``2024-03`` or ``2024-03-09``. A malformed parameter other than ``q`` is a 400; on
the page, it is left out, but too many categories are a 400 there too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.db import reading
from search import SearchHit, SearchPage, search_papers
from search.engine import FIELDS, MAX_LIMIT, MAX_OFFSET, SORTS, BodySnippet, Sort
from search.query import CATEGORY_PATTERN, MAX_CATEGORIES, parse_category, parse_date
from web import openapi
from web.entries import search_result_markup
from web.errors import HTTPError
from web.i18n import preferences
from web.templating import templates

T = TypeVar("T")

PAGE_SIZE = 20
API_LIMIT = 20


class BadParameter(ValueError):
    pass


class TooManyCategories(BadParameter):
    """More categories than a search takes: an error even where bad parameters are left out."""


@dataclass(frozen=True, slots=True)
class SearchRequest:
    q: str
    categories: tuple[str, ...]
    date_from: dt.date | None
    date_until: dt.date | None
    sort: Sort
    limit: int
    offset: int

    @classmethod
    def parse(cls, request: Request, *, default_limit: int, strict: bool) -> SearchRequest:
        """The request's parameters; bad ones raise ``BadParameter`` or, unless ``strict``,
        fall back to their defaults."""
        params = request.query_params

        def lenient(name: str, value: object, default: T) -> T:
            if strict:
                raise BadParameter(f"{name}: {value!r} is not valid")
            return default

        raw_categories = [c.strip() for v in params.getlist("category") for c in v.split(",")]
        raw_categories = list(dict.fromkeys(filter(None, raw_categories)))
        if len(raw_categories) > MAX_CATEGORIES:
            raise TooManyCategories(
                f"category: at most {MAX_CATEGORIES} categories, {len(raw_categories)} given"
            )
        categories = []
        for raw in raw_categories:
            category = parse_category(raw)
            if category is None:
                lenient("category", raw, None)
            elif category not in categories:
                categories.append(category)
        dates = {}
        for name in ("from", "until"):
            raw = params.get(name, "").strip()
            dates[name] = parse_date(raw, end=name == "until") if raw else None
            if raw and dates[name] is None:
                dates[name] = lenient(name, raw, None)
        raw_sort = params.get("sort", "relevance") or "relevance"
        found = next((s for s in SORTS if s == raw_sort), None)
        sort: Sort = found if found is not None else lenient("sort", raw_sort, "relevance")
        limit = _integer(params.get("limit"), default_limit, 1, MAX_LIMIT)
        if limit is None:
            limit = lenient("limit", params.get("limit"), default_limit)
        offset = _integer(params.get("offset"), 0, 0, MAX_OFFSET)
        if offset is None:
            offset = lenient("offset", params.get("offset"), 0)
        return cls(
            q=params.get("q", ""),
            categories=tuple(categories),
            date_from=dates["from"],
            date_until=dates["until"],
            sort=sort,
            limit=limit,
            offset=offset,
        )

    async def run(self, request: Request) -> SearchPage:
        async with reading(request.app.state.sessions) as session:
            return await search_papers(
                session,
                self.q,
                categories=self.categories,
                date_from=self.date_from,
                date_until=self.date_until,
                sort=self.sort,
                limit=self.limit,
                offset=self.offset,
            )


def _integer(raw: str | None, default: int, low: int, high: int) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def marked(text: str, spans: Sequence[tuple[int, int]]) -> Markup:
    """``text`` escaped, with each span in ``<mark>``."""
    parts: list[str] = []
    position = 0
    for start, end in spans:  # joined as plain text, made Markup once (each Markup is a copy)
        parts += (escape(text[position:start]), "<mark>", escape(text[start:end]), "</mark>")
        position = end
    parts.append(escape(text[position:]))
    return Markup("".join(parts))


def _day(hit: SearchHit) -> str | None:
    published = hit.paper.published
    return published.date().isoformat() if published else None


def result_json(hit: SearchHit) -> dict[str, object]:
    paper = hit.paper
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": [a.name for a in paper.authors],
        "categories": [c.category for c in paper.categories],
        "date": _day(hit),
        "score": round(hit.score, 6),
        "highlights": {
            "title": [list(span) for span in hit.title_spans],
            "abstract": [list(span) for span in hit.abstract_spans],
        },
        "matched": list(hit.matched),
        "body": _body_json(hit.body),
    }


def _body_json(body: BodySnippet | None) -> dict[str, object] | None:
    if body is None:
        return None
    return {
        "section": {"anchor": body.anchor, "number": body.number, "title": body.section},
        "snippet": body.text,
        "highlights": [list(span) for span in body.spans],
    }


async def api_search(request: Request) -> JSONResponse:
    try:
        wanted = SearchRequest.parse(request, default_limit=API_LIMIT, strict=True)
    except BadParameter as exc:
        raise HTTPError(400, str(exc)) from None
    page = await wanted.run(request)
    return JSONResponse(
        {
            "query": wanted.q,
            "total": page.total,
            "total_exact": page.total_exact,
            "sort": page.sort,
            "limit": page.limit,
            "offset": page.offset,
            "spans": "characters",
            "results": [result_json(hit) for hit in page.hits],
        }
    )


def _page_link(wanted: SearchRequest, offset: int) -> str:
    params: list[tuple[str, str]] = [("q", wanted.q)]
    params += [("category", c) for c in wanted.categories]
    if wanted.date_from:
        params.append(("from", wanted.date_from.isoformat()))
    if wanted.date_until:
        params.append(("until", wanted.date_until.isoformat()))
    if wanted.sort != "relevance":
        params.append(("sort", wanted.sort))
    if offset:
        params.append(("offset", str(offset)))
    return "/search?" + urlencode(params)


async def search_page(request: Request) -> Response:
    try:
        wanted = SearchRequest.parse(request, default_limit=PAGE_SIZE, strict=False)
    except BadParameter as exc:
        raise HTTPException(400, str(exc)) from None
    asked = wanted.q.strip() or wanted.categories or wanted.date_from or wanted.date_until
    page = await wanted.run(request) if asked else None
    previous_offset = max(0, wanted.offset - wanted.limit)
    next_offset = wanted.offset + wanted.limit
    lang = preferences(request).lang
    context = {
        "wanted": wanted,
        "page": page,
        "results": [
            Markup(
                search_result_markup(
                    hit.paper,
                    marked(hit.paper.title or "", hit.title_spans),
                    marked(hit.paper.abstract or "", hit.abstract_spans),
                    hit.body,
                    marked(hit.body.text, hit.body.spans) if hit.body else None,
                    _day(hit),
                    lang,
                )
            )
            for hit in (page.hits if page else [])
        ],
        "previous_url": _page_link(wanted, previous_offset) if wanted.offset > 0 else None,
        "next_url": (
            _page_link(wanted, next_offset)
            if page and next_offset < min(page.total, MAX_OFFSET + wanted.limit)
            else None
        ),
    }
    return templates.TemplateResponse(request, "search.html", context)


routes = [
    Route("/search", search_page, name="search"),
    Route("/api/search", api_search, name="api_search"),
]

_SPACE = r"[ \t\n\r\f\v]*"  # what str.strip() takes off in every regex dialect
_CATEGORIES = {
    "type": "string",
    # At most MAX_CATEGORIES comma-separated items, each empty or a category.
    "pattern": rf"^{_SPACE}(?:{CATEGORY_PATTERN})?(?:{_SPACE},{_SPACE}(?:{CATEGORY_PATTERN})?)"
    rf"{{0,{MAX_CATEGORIES - 1}}}{_SPACE}$",
}
_DAY = {
    "type": "string",
    "pattern": r"^\s*(?:\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|1\d|2[0-8]))?)?)?\s*$",
}
_SPANS = {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}
_BODY = {
    "type": ["object", "null"],
    "description": "A few lines of the paper's body around the match and the section they are"
    " in: for a paper whose title and abstract do not match (null otherwise)",
    "required": ["section", "snippet", "highlights"],
    "properties": {
        "section": {
            "type": "object",
            "required": ["anchor", "number", "title"],
            "properties": {
                "anchor": {"type": "string"},
                "number": {"type": "string"},
                "title": {"type": "string"},
            },
        },
        "snippet": {"type": "string"},
        "highlights": _SPANS,
    },
}
_RESULT = {
    "type": "object",
    "required": ["id", "title", "abstract", "score", "highlights", "matched", "body"],
    "properties": {
        "id": {"type": "string"},
        "score": {"type": "number"},
        "highlights": {
            "type": "object",
            "properties": {"title": _SPANS, "abstract": _SPANS},
        },
        "matched": {
            "type": "array",
            "description": "The fields the query matched in (body: the paper's full text)",
            "items": {"type": "string", "enum": list(FIELDS)},
        },
        "body": _BODY,
    },
}
_RESULTS = {
    "type": "object",
    "required": ["query", "total", "total_exact", "results"],
    "properties": {
        "total": {"type": "integer"},
        "total_exact": {"type": "boolean"},
        "results": {"type": "array", "items": _RESULT},
    },
}
_SEARCH = {
    "get": {
        "operationId": "search",
        "summary": "Ranked full-text search over titles, abstracts, authors and papers' bodies",
        "parameters": [
            openapi.query_parameter(
                "q",
                'The query: words (all must match), "phrases", -exclusions, OR, the fields'
                " ti:, abs:, au:, cat:, the dates from: and until:, and has:code (papers with"
                " a code link).",
                {"type": "string"},
            ),
            openapi.query_parameter(
                "category",
                "Categories (cs.AI) or archives (cs, cs.*), separated by commas; at most"
                f" {MAX_CATEGORIES}.",
                _CATEGORIES,
            ),
            openapi.query_parameter("from", "First day (YYYY, YYYY-MM or YYYY-MM-DD).", _DAY),
            openapi.query_parameter("until", "Last day (YYYY, YYYY-MM or YYYY-MM-DD).", _DAY),
            openapi.query_parameter(
                "sort",
                "Order of the results.",
                openapi.optional({"type": "string", "enum": sorted(SORTS), "default": "relevance"}),
            ),
            openapi.query_parameter(
                "limit",
                "Results per page.",
                openapi.optional(
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": API_LIMIT}
                ),
            ),
            openapi.query_parameter(
                "offset",
                "Results to skip.",
                openapi.optional(
                    {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}
                ),
            ),
        ],
        "responses": {
            "200": {
                "description": "total (exact when total_exact), and the results with their"
                " highlight spans in characters of the title and abstract, the fields each"
                " matched in, and for a paper found through its body only, a snippet of it"
                " with its section",
                "content": {"application/json": {"schema": _RESULTS}},
            },
            "400": openapi.error_response(
                "A malformed parameter other than q, or too many categories"
            ),
        },
    }
}
OPENAPI = openapi.Description({"/api/search": _SEARCH})

"""The reading pages: home, the lists of a day, one paper, the starred papers, preferences,
and the lists' Atom feeds (``OPENAPI`` describes the feeds and the list parameters)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import quote, urlencode

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crawler.ids import InvalidArxivId, abs_url, is_arxiv_id, parse_arxiv_id
from fulltext import store as fulltext_store
from fulltext.document import CodeLink, FullText, Section
from models.db import reading
from models.queries import categories_with_papers, get_paper, get_papers, paper_announcements
from models.schema import Paper
from search.alike import Topic
from venues.names import parse_paper_id
from web import feeds, ondemand, openapi, popularity
from web.cache import page_cache
from web.categories import archive_of
from web.errors import HTTPError
from web.i18n import preferences
from web.keywords import KeywordFilter
from web.listing import (
    LIST_PARAMETERS,
    BadListRequest,
    ListRequest,
    code_link,
    fetch_list,
    page_entries,
)
from web.related import list_topics, related_papers
from web.security import client_address
from web.templating import entry_pieces, spliced_response, templates
from web.venues import arxiv_venues

MAX_SHARED_IDS = 500
NONE = popularity.Counts()


def cache_key(request: Request, kind: str, names: tuple[str, ...]) -> tuple[object, ...]:
    """What a cached page depends on, read straight from the scope: it is built per request.

    Not the Host header, which is the client's to choose: the pages' links are relative."""
    scope = request.scope
    origin = (scope["scheme"], scope.get("root_path", ""))
    values = tuple(map(request.query_params.get, names)) if scope["query_string"] else ()
    return (kind, origin, scope["path"], values, preferences(request))


def arxiv_path(key: str) -> str:
    return "/arxiv/" + quote(key, safe="/,+-.")


async def home(request: Request) -> Response:
    """The categories with their numbers of papers: counted over every paper, so kept in the
    page cache like the lists (rendered once per data version)."""
    sessions = request.app.state.sessions

    async def render() -> Response:
        async with reading(sessions) as session:
            categories = await categories_with_papers(session)
        groups = [
            (archive, list(items))
            for archive, items in groupby(categories, key=lambda c: archive_of(c.code))
        ]
        return templates.TemplateResponse(request, "home.html", {"groups": groups})

    cached = (*cache_key(request, "home", ()), request.scope["query_string"])  # ``here``
    return await page_cache(request).page(cached, sessions, render, request.headers)


async def combine(request: Request) -> Response:
    """``/arxiv?cats=cs.AI+cs.LG`` (the home page's form): redirect to the list."""
    chosen = request.query_params.getlist("c")
    text = request.query_params.get("cats", "").strip() or ",".join(chosen)
    if not text:
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(arxiv_path(text), status_code=303)


async def arxiv(request: Request) -> Response:
    key = request.path_params["key"].strip("/")
    if key.endswith("/top/feed"):
        return await popularity.top_feed(request, key.removesuffix("/top/feed"))
    if key.endswith("/feed"):
        return await feeds.list_feed(request, key.removesuffix("/feed"))
    if key.endswith("/top"):
        return await popularity.top_page(request, key.removesuffix("/top"))
    if is_arxiv_id(key):
        arxiv_id = parse_arxiv_id(key)
        return await paper_page(request, arxiv_id.id, arxiv_id.version)
    return await list_page(request, key)


def list_request(key: str, request: Request) -> ListRequest:
    try:
        return ListRequest.parse(key, request.query_params)
    except BadListRequest as error:
        if error.status == 404:
            detail = f"'{key[:80]}' is neither an arXiv id nor a category"
            raise HTTPError(404, detail) from None
        raise HTTPError(error.status, error.message) from None


async def list_page(request: Request, key: str) -> Response:
    sessions = request.app.state.sessions

    async def render() -> Response:  # only a page not in the cache is parsed and rendered
        wanted = list_request(key, request)
        cleared = dataclasses.replace(wanted, keywords=KeywordFilter())
        topics: list[Topic] | None = None
        popular: dict[str, popularity.Counts] = {}
        async with reading(sessions) as session:
            result = await fetch_list(session, wanted)
            ids = [e.item.paper.id for e in result.entries]
            if wanted.view == "topics":
                topics = await list_topics(request, session, ids)
            if wanted.sort == "popular":
                last = popularity.today(request)
                first = popularity.since(last, "week")
                popular = await popularity.counts(session, ids, first, last)
        if wanted.sort == "popular":
            most = sorted(result.entries, key=lambda e: -popular.get(e.item.paper.id, NONE).total)
            result = dataclasses.replace(result, entries=most)
        path = arxiv_path(str(wanted.expression))
        listed = wanted.query(view=None, sort=None)
        context = {
            "topics": topics,
            "by_id": {e.item.paper.id: e for e in result.entries},
            "popular": popular,
            "list_url": path + (f"?{q}" if (q := wanted.query(view=None)) else ""),
            "topics_url": f"{path}?{wanted.query(view='topics', sort=None)}",
            "popular_url": f"{path}?{wanted.query(view=None, sort='popular')}",
            "announced_url": path + (f"?{q}" if (q := wanted.query(sort=None)) else ""),
            "top_url": f"{path}/top",
            "result": result,
            "listing": result.listing,
            "wanted": wanted,
            "path": path,
            "highlight": wanted.keywords.matcher().highlight,
            "feed_url": f"{path}/feed" + (f"?{listed}" if listed else ""),
            "clear_url": path + (f"?{q}" if (q := cleared.query()) else ""),
        }
        lang = preferences(request).lang
        papers = b""
        if topics is None and result.entries:
            papers = entry_pieces(page_entries(result), context["highlight"], lang)
        return spliced_response(request, "list.html", context, {"papers": papers})

    if request.query_params.get("sort") == "popular":  # changes with every event counted
        response = await render()
        response.headers["Cache-Control"] = "no-cache"
        return response
    cached = cache_key(request, "list", LIST_PARAMETERS)
    return await page_cache(request).page(cached, sessions, render, request.headers)


@dataclass(frozen=True, slots=True)
class ArxivReference:
    arxiv_id: str
    text: str
    url: str  # its page here when the archive holds it, else arxiv.org
    local: bool


@dataclass(frozen=True, slots=True)
class Contents:
    """What the paper page shows of a stored full text: never the text, only its outline,
    counts and links (the sections link into arXiv's HTML rendering)."""

    source: str
    html_url: str
    sections: tuple[Section, ...]
    figures: int
    tables: int
    references: int
    arxiv_references: tuple[ArxivReference, ...]


async def paper_contents(
    session, paper_id: str, version: int, document: FullText, html_base: str
) -> Contents:
    cited = list(dict.fromkeys(r.arxiv_id for r in document.references if r.arxiv_id))
    texts = {r.arxiv_id: r.text for r in reversed(document.references) if r.arxiv_id}
    held: set[str] = set()
    if cited:
        statement = select(Paper.id).where(Paper.id.in_(cited), Paper.hidden.is_(False))
        held = set((await session.scalars(statement)).all())
    references = tuple(
        ArxivReference(i, texts[i], arxiv_path(i) if i in held else abs_url(i), i in held)
        for i in cited
    )
    return Contents(
        source=document.source,
        html_url=f"{html_base.rstrip('/')}/{paper_id}v{version}",
        sections=tuple(s for s in document.sections if s.title.strip() or s.number),
        figures=document.figures,
        tables=document.tables,
        references=len(document.references),
        arxiv_references=references,
    )


async def paper_page(request: Request, arxiv_id: str, version: int | None = None) -> Response:
    settings = request.app.state.settings
    contents: Contents | None = None
    code: CodeLink | None = None
    async with reading(request.app.state.sessions) as session:
        paper = await get_paper(session, arxiv_id)
        if paper is None and settings.FETCH_ON_DEMAND:
            return await fetching_page(request, arxiv_id)
        if paper is None or paper.hidden:
            raise HTTPError(404, f"no paper {arxiv_id} in this archive")
        alike = request.app.state.alike
        # While the first vectors are built (a site just started; minutes at a million papers)
        # the page does not wait: its script asks for the related papers once they are ready.
        related = None if alike.waiting() else await related_papers(alike, session, paper)
        announced = await paper_announcements(session, paper.id)
        venues = await arxiv_venues(session, paper.id)
        stored = await fulltext_store.read(session, paper.id, paper.version)
        if stored is not None:
            code = code_link(stored.code_links)
            if stored.document is not None:
                contents = await paper_contents(
                    session, paper.id, paper.version, stored.document, settings.ARXIV_HTML_BASE
                )
    context = {
        "paper": paper,
        "asked_version": version,
        "related": related,
        "announced": announced,
        "contents": contents,
        "code": code,
        "venues": venues,
    }
    return templates.TemplateResponse(request, "paper.html", context)


FETCHING_REFRESH = 2  # seconds between two looks of the "fetching from arXiv" page


async def fetching_page(request: Request, arxiv_id: str) -> Response:
    """A paper the archive lacks: its look-up in arXiv's API is started (or joined), and a
    page that refreshes itself says so until the paper is here (or arXiv has none)."""
    fetcher = ondemand.fetcher(request.app.state)
    client = client_address(request, request.app.state.settings)
    try:
        outcome = fetcher.request(arxiv_id, client)
    except ondemand.TooManyFetches as error:
        wait = str(max(1, round(error.wait)))
        raise HTTPError(429, str(error), {"Retry-After": wait}) from None
    if outcome.state == "missing":
        raise HTTPError(404, f"arXiv has no paper {arxiv_id}")
    if outcome.state == "failed":
        retry = str(round(ondemand.RETRY_AFTER))
        raise HTTPError(
            503,
            f"{arxiv_id} could not be fetched from arXiv: {outcome.message}",
            {"Retry-After": retry},
        )
    context = {"arxiv_id": arxiv_id, "refresh": FETCHING_REFRESH}
    response = templates.TemplateResponse(request, "fetching.html", context, status_code=202)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Refresh"] = str(FETCHING_REFRESH)
    return response


async def related_fragment(request: Request) -> Response:
    """``/fragments/related/<id>``: the related papers of a paper (arXiv's or a venue's) as a
    piece of HTML, which the lists put in place under an entry."""
    raw = request.path_params["arxiv_id"]
    try:
        arxiv_id = parse_paper_id(raw)
    except ValueError:
        raise HTTPError(404, f"not an arXiv id nor a venue paper's: {raw[:80]}") from None
    async with reading(request.app.state.sessions) as session:
        paper = await get_paper(session, arxiv_id)
        if paper is None or paper.hidden:
            raise HTTPError(404, f"no paper {arxiv_id} in this archive")
        related = await related_papers(request.app.state.alike, session, paper)
    response = templates.TemplateResponse(request, "_related_fragment.html", {"related": related})
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


async def papers_cool_search(request: Request) -> Response:
    """``/arxiv/search?query=...`` (papers.cool's search address): the search page."""
    params = request.query_params
    wanted = [("q", params.get("query") or params.get("q") or "")]
    wanted += [
        (name, params[name]) for name in ("sort", "category", "from", "until") if params.get(name)
    ]
    return RedirectResponse("/search?" + urlencode(wanted), status_code=301)


async def papers_cool_faq(request: Request) -> Response:
    """``/arxiv/kimi?paper=<id>`` (papers.cool's FAQ address): the paper's FAQ."""
    raw = request.query_params.get("paper", "").strip()
    try:
        arxiv_id = parse_arxiv_id(raw).id
    except InvalidArxivId:
        raise HTTPError(404, f"not an arXiv identifier: {raw[:80]!r}") from None
    return RedirectResponse(arxiv_path(arxiv_id) + "#faq", status_code=301)


def shared_ids(text: str) -> list[str]:
    ids: list[str] = []
    for raw in text.replace(" ", ",").split(","):
        if not raw:
            continue
        try:
            ids.append(parse_arxiv_id(raw).id)
        except InvalidArxivId:
            continue
    return list(dict.fromkeys(ids))[:MAX_SHARED_IDS]


async def starred(request: Request) -> Response:
    """``/starred``: the reader's stars (built in the browser from the JSON API), or, with
    ``?ids=``, a shared list rendered here so that it opens on any device."""
    ids = shared_ids(request.query_params.get("ids", ""))
    papers = []
    if ids:
        async with reading(request.app.state.sessions) as session:
            papers = await get_papers(session, ids)
    return templates.TemplateResponse(
        request, "starred.html", {"shared": bool(ids), "papers": papers, "ids": ids}
    )


async def prefs(request: Request) -> Response:
    """``/prefs?lang=zh&theme=dark&next=/arxiv/cs.AI``: the cookies are set on the way back."""
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    return RedirectResponse(target, status_code=303)


routes = [
    Route("/", home, name="home"),
    Route("/starred", starred, name="starred"),
    Route("/prefs", prefs, name="prefs"),
    Route("/arxiv", combine, name="combine"),
    Route("/fragments/related/{arxiv_id:path}", related_fragment, name="related_fragment"),
    *feeds.routes,
    # papers.cool's addresses, so that coming from there is a change of host
    Route("/arxiv/search", papers_cool_search, name="papers_cool_search"),
    Route("/arxiv/kimi", papers_cool_faq, name="papers_cool_faq"),
    Route("/arxiv/{key:path}", arxiv, name="arxiv"),
]

LIST_QUERY = [
    openapi.query_parameter(
        "date",
        "The day, YYYY-MM-DD (default: the latest).",
        openapi.optional({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
    ),
    openapi.query_parameter(
        "types",
        "new: new papers only; cross: with cross-lists; all: with replacements.",
        openapi.optional({"type": "string", "enum": ["new", "cross", "all"], "default": "all"}),
    ),
    openapi.query_parameter("include", "Keywords, one per line.", {"type": "string"}),
    openapi.query_parameter(
        "exclude", "Keywords that remove a paper, one per line.", {"type": "string"}
    ),
    openapi.query_parameter(
        "mode",
        "Whether any or all include keywords must match.",
        openapi.optional({"type": "string", "enum": ["or", "and"], "default": "or"}),
    ),
    openapi.query_parameter(
        "only",
        "1: only the papers that match the keywords.",
        openapi.optional({"type": "string", "enum": ["0", "1"], "default": "0"}),
    ),
    openapi.query_parameter(
        "has",
        "code: only the papers with a link to code.",
        openapi.optional({"type": "string", "enum": ["code"]}),
    ),
]
_ATOM = {
    "description": "An Atom feed",
    "content": {"application/atom+xml": {"schema": {"type": "string"}}},
}

OPENAPI = openapi.Description(
    {
        "/arxiv/{categories}/feed": {
            "get": {
                "operationId": "listFeed",
                "summary": "The Atom feed of a list; with keywords, of its matching papers",
                "tags": ["feeds"],
                "parameters": [
                    openapi.path_parameter(
                        "categories", "A category expression, as in /api/list/{categories}."
                    ),
                    *LIST_QUERY,
                ],
                "responses": {
                    "200": _ATOM,
                    "400": openapi.error_response("A malformed parameter", page=True),
                    "404": openapi.error_response("Not a category expression", page=True),
                },
            }
        },
        "/arxiv/search/feed": {
            "get": {
                "operationId": "searchFeed",
                "summary": f"The Atom feed of a search: its first {feeds.SEARCH_FEED_SIZE} papers",
                "tags": ["feeds"],
                "parameters": [
                    openapi.query_parameter(
                        "query", "The search query, as in /api/search.", {"type": "string"}
                    ),
                    openapi.query_parameter("q", "The same as query.", {"type": "string"}),
                    openapi.query_parameter(
                        "sort",
                        "date: newest first; relevance: best first.",
                        openapi.optional(
                            {"type": "string", "enum": ["date", "relevance"], "default": "date"}
                        ),
                    ),
                ],
                "responses": {
                    "200": _ATOM,
                    "400": openapi.error_response("A malformed sort", page=True),
                },
            }
        },
    }
)

"""The reading pages: home, a category's day, one paper."""

from __future__ import annotations

import datetime as dt
import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from crawler.ids import is_arxiv_id, parse_arxiv_id
from models.queries import categories_with_papers, category_day, get_paper
from web.templating import templates

CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")


def parse_categories(text: str) -> tuple[str, ...] | None:
    """``cs.AI`` or ``cs.AI,cs.CL`` (or with ``+``): the categories, or None if malformed."""
    parts = [p for p in re.split(r"[,+ ]", text) if p]
    if not parts or len(parts) > 50 or not all(CATEGORY.match(p) for p in parts):
        return None
    return tuple(dict.fromkeys(parts))


async def home(request: Request) -> Response:
    async with request.app.state.sessions() as session:
        categories = await categories_with_papers(session)
    return templates.TemplateResponse(request, "home.html", {"categories": categories})


async def arxiv(request: Request) -> Response:
    key = request.path_params["key"].strip("/")
    if is_arxiv_id(key):
        return await paper_page(request, parse_arxiv_id(key).id)
    categories = parse_categories(key)
    if categories is None:
        raise HTTPException(404, f"'{key[:80]}' is neither an arXiv id nor a category")
    day = None
    if date_text := request.query_params.get("date"):
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            raise HTTPException(400, "date must be YYYY-MM-DD") from None
    async with request.app.state.sessions() as session:
        listing = await category_day(session, categories, day)
    return templates.TemplateResponse(request, "list.html", {"listing": listing})


async def paper_page(request: Request, arxiv_id: str) -> Response:
    async with request.app.state.sessions() as session:
        paper = await get_paper(session, arxiv_id)
    if paper is None or paper.hidden:
        raise HTTPException(404, f"no paper {arxiv_id} in this archive")
    return templates.TemplateResponse(request, "paper.html", {"paper": paper})


async def http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", "internal error")
    if request.url.path.startswith("/api/"):
        from web.api import error

        return error(status, detail)
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "detail": detail}, status_code=status
    )


async def server_error(request: Request, exc: Exception) -> Response:
    return HTMLResponse("<h1>500</h1><p>Internal error.</p>", status_code=500)


routes = [
    Route("/", home, name="home"),
    Route("/arxiv/{key:path}", arxiv, name="arxiv"),
]

exception_handlers = {HTTPException: http_error, 500: server_error}

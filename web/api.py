"""The JSON API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crawler.ids import InvalidArxivId, parse_arxiv_id
from models.queries import get_paper
from web.serialize import paper_json


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


async def paper(request: Request) -> JSONResponse:
    raw = request.path_params["arxiv_id"]
    try:
        arxiv_id = parse_arxiv_id(raw)
    except InvalidArxivId:
        return error(404, f"not an arXiv identifier: {raw[:80]}")
    async with request.app.state.sessions() as session:
        found = await get_paper(session, arxiv_id.id)
    if found is None or found.hidden:
        return error(404, f"no paper {arxiv_id.id} in this archive")
    return JSONResponse(paper_json(found))


async def not_found(request: Request) -> JSONResponse:
    return error(404, f"no such endpoint: {request.url.path}")


routes = [
    Route("/api/papers/{arxiv_id:path}", paper),
    Route("/api/{rest:path}", not_found),
]

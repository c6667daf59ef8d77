"""The JSON API: papers, the lists of a day, BibTeX, and its OpenAPI description."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crawler.ids import InvalidArxivId, parse_arxiv_id
from fulltext import store as fulltext_store
from models.queries import get_paper, get_papers
from web.bibtex import bibtex
from web.listing import BadListRequest, ListRequest, fetch_list
from web.openapi import openapi_document
from web.pages import shared_ids
from web.serialize import list_json, paper_json

MAX_IDS = 500


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def _wants_html(request: Request) -> bool:
    return request.query_params.get("html", "") in {"1", "true", "yes"}


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
        links = (await fulltext_store.code_links(session, [found.id])).get(found.id, ())
    return JSONResponse(paper_json(found, html=_wants_html(request), code_links=links))


async def papers(request: Request) -> JSONResponse:
    """``/api/papers?ids=a,b``: the papers of this archive among ``ids``, in that order."""
    ids = shared_ids(request.query_params.get("ids", ""))
    if not ids:
        return error(400, "ids: give one or more arXiv ids, separated by commas")
    async with request.app.state.sessions() as session:
        found = await get_papers(session, ids[:MAX_IDS])
        links = await fulltext_store.code_links(session, [p.id for p in found])
    present = {p.id for p in found}
    html = _wants_html(request)
    return JSONResponse(
        {
            "papers": [paper_json(p, html=html, code_links=links.get(p.id, ())) for p in found],
            "missing": [i for i in ids if i not in present],
        }
    )


async def paper_list(request: Request) -> JSONResponse:
    try:
        wanted = ListRequest.parse(request.path_params["categories"], request.query_params)
    except BadListRequest as failure:
        return error(failure.status, failure.message)
    async with request.app.state.sessions() as session:
        result = await fetch_list(session, wanted)
    return JSONResponse(list_json(result))


async def bibtex_export(request: Request) -> Response:
    ids = shared_ids(request.query_params.get("ids", ""))
    if not ids:
        return error(400, "ids: give one or more arXiv ids, separated by commas")
    async with request.app.state.sessions() as session:
        found = await get_papers(session, ids[:MAX_IDS])
    if not found:
        return error(404, "none of these papers is in this archive")
    headers = {"content-disposition": 'inline; filename="coolpapers.bib"'}
    return Response(bibtex(found), media_type="application/x-bibtex; charset=utf-8",
                    headers=headers)  # fmt: skip


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(str(request.base_url).rstrip("/")))


routes = [
    Route("/api/openapi.json", openapi, name="openapi"),
    Route("/api/papers", papers, name="api_papers"),
    Route("/api/papers/{arxiv_id:path}", paper, name="api_paper"),
    Route("/api/list/{categories}", paper_list, name="api_list"),
    Route("/api/bibtex", bibtex_export, name="api_bibtex"),
]

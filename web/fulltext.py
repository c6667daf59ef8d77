"""The full-text API: ``GET /api/papers/<id>/fulltext`` — how fetching the full text of a
paper's current version went, its sections (anchor, number, title, length), references and
code links. The text itself is only given with ``Authorization: Bearer <ADMIN_TOKEN>``: the
site never republishes papers. 404 when the paper is unknown or its full text was never
fetched."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crawler.ids import InvalidArxivId, parse_arxiv_id
from fulltext import store
from fulltext.document import StoredFullText
from models.queries import get_paper
from web import openapi
from web.admin import bearer_admin
from web.errors import HTTPError


def fulltext_json(stored: StoredFullText, *, with_text: bool) -> dict:
    document = stored.document
    sections = []
    for section in document.sections if document else ():
        item = {
            "anchor": section.anchor,
            "number": section.number,
            "title": section.title,
            "level": section.level,
            "chars": len(section.text),
        }
        if with_text:
            item["text"] = section.text
        sections.append(item)
    return {
        "id": stored.paper_id,
        "version": stored.version,
        "source": stored.source,
        "status": str(stored.status),
        "reason": stored.reason,
        "sections": sections,
        "references": [
            {"text": r.text, "arxiv_id": r.arxiv_id, "doi": r.doi}
            for r in (document.references if document else ())
        ],
        "code_links": [
            {"url": link.url, "host": link.host, "own": link.own} for link in stored.code_links
        ],
        "figures": document.figures if document else 0,
        "tables": document.tables if document else 0,
    }


async def paper_fulltext(request: Request) -> JSONResponse:
    raw = request.path_params["arxiv_id"]
    try:
        arxiv_id = parse_arxiv_id(raw)
    except InvalidArxivId:
        raise HTTPError(404, f"not an arXiv identifier: {raw[:80]}") from None
    async with request.app.state.sessions() as session:
        paper = await get_paper(session, arxiv_id.id)
        if paper is None or paper.hidden:
            raise HTTPError(404, f"no paper {arxiv_id.id} in this archive")
        version = arxiv_id.version or paper.version or 1
        stored = await store.load(session, arxiv_id.id, version)
    if stored is None:
        raise HTTPError(404, f"the full text of {arxiv_id.id}v{version} was never fetched")
    with_text = bool(bearer_admin(request))  # a wrong token counts against the client
    return JSONResponse(fulltext_json(stored, with_text=with_text))


routes = [Route("/api/papers/{arxiv_id:path}/fulltext", paper_fulltext, name="api_fulltext")]


OPENAPI = openapi.Description(
    {
        "/api/papers/{arxiv_id}/fulltext": {
            "get": {
                "operationId": "getFullText",
                "summary": "How the full text of a paper was read: sections, references, code",
                "description": "Sections carry their text only with the admin bearer token.",
                "parameters": [
                    openapi.path_parameter(
                        "arxiv_id", "An id (2401.01234, hep-th/9901001), with vN for a version."
                    )
                ],
                "responses": {
                    "200": openapi.json_response(
                        "The stored full text (status ok, or failed with its reason)",
                        {"type": "object"},
                    ),
                    "404": openapi.error_response(
                        "No such paper, or its full text was never fetched"
                    ),
                    "429": openapi.error_response(
                        "Too many wrong admin tokens from this client", Retry_After="Seconds"
                    ),
                },
            }
        }
    }
)

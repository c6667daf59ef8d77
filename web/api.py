"""The JSON API: papers, the lists of a day, BibTeX, and its OpenAPI description.

``OPENAPI`` describes these operations; ``/api/openapi.json`` joins it with the descriptions
the other route modules export (`DESCRIBED`).
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crawler.ids import InvalidArxivId, parse_arxiv_id
from fulltext import store as fulltext_store
from models.db import reading
from models.queries import get_paper, get_papers
from web import (
    alerts,
    demo_pages,
    openapi,
    pages,
    popularity,
    related,
    search_pages,
    summary_api,
    venues,
)
from web import fulltext as fulltext_web
from web.bibtex import bibtex
from web.cache import page_cache
from web.errors import HTTPError
from web.listing import BadListRequest, ListRequest, fetch_list
from web.pages import shared_ids
from web.security import site_url
from web.serialize import list_json, paper_json

MAX_IDS = 500


class ArxivIdConvertor(Convertor[str]):
    """A path segment that may be an arXiv id: new-style, or old-style with its archive
    (``hep-th/9901001``), so that ``/api/papers/<id>/summary/...`` is never taken for an id."""

    regex = r"(?:[A-Za-z][A-Za-z.\-]*/)?[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("arxiv_id", ArxivIdConvertor())
FLAGS = {"": False, "0": False, "1": True}


def flag(request: Request, name: str) -> bool:
    """A 0/1 query parameter (empty or absent: 0)."""
    raw = request.query_params.get(name, "")
    if raw not in FLAGS:
        raise HTTPError(400, f"{name} must be 0 or 1, got {raw[:40]!r}")
    return FLAGS[raw]


def requested_ids(request: Request) -> list[str]:
    """The arXiv ids among ``ids`` (what is not an id is left out); 400 without ``ids``."""
    if "ids" not in request.query_params:
        raise HTTPError(400, "ids: give one or more arXiv ids, separated by commas")
    return shared_ids(request.query_params["ids"])


async def paper(request: Request) -> JSONResponse:
    raw = request.path_params["arxiv_id"]
    try:
        arxiv_id = parse_arxiv_id(raw)
    except InvalidArxivId:
        raise HTTPError(404, f"not an arXiv identifier: {raw[:80]}") from None
    html = flag(request, "html")
    async with reading(request.app.state.sessions) as session:
        found = await get_paper(session, arxiv_id.id)
        if found is None or found.hidden:
            raise HTTPError(404, f"no paper {arxiv_id.id} in this archive")
        links = (await fulltext_store.code_links(session, [found.id])).get(found.id, ())
    return JSONResponse(paper_json(found, html=html, code_links=links))


async def papers(request: Request) -> JSONResponse:
    """``/api/papers?ids=a,b``: the papers of this archive among ``ids``, in that order."""
    ids = requested_ids(request)
    html = flag(request, "html")
    found, links = [], {}
    if ids:
        async with reading(request.app.state.sessions) as session:
            found = await get_papers(session, ids[:MAX_IDS])
            links = await fulltext_store.code_links(session, [p.id for p in found])
    present = {p.id for p in found}
    return JSONResponse(
        {
            "papers": [paper_json(p, html=html, code_links=links.get(p.id, ())) for p in found],
            "missing": [i for i in ids if i not in present],
        }
    )


async def paper_list(request: Request) -> Response:
    """A list as JSON, kept in the page cache like the list page (ETag, 304, gzip)."""
    sessions = request.app.state.sessions

    async def render() -> Response:
        try:
            wanted = ListRequest.parse(request.path_params["categories"], request.query_params)
        except BadListRequest as failure:
            raise HTTPError(failure.status, failure.message) from None
        async with reading(sessions) as session:
            result = await fetch_list(session, wanted)
        return JSONResponse(list_json(result))

    cached = ("api-list", request.scope["path"], request.scope["query_string"])
    return await page_cache(request).page(cached, sessions, render, request.headers)


async def bibtex_export(request: Request) -> Response:
    ids = requested_ids(request)
    found = []
    if ids:
        async with reading(request.app.state.sessions) as session:
            found = await get_papers(session, ids[:MAX_IDS])
    if not found:
        raise HTTPError(404, "none of these papers is in this archive")
    headers = {"content-disposition": 'inline; filename="coolpapers.bib"'}
    return Response(
        bibtex(found), media_type="application/x-bibtex; charset=utf-8", headers=headers
    )


async def openapi_json(request: Request) -> JSONResponse:
    server = site_url(request, request.app.state.settings)
    return JSONResponse(openapi.openapi_document(DESCRIBED, server))


routes = [
    Route("/api/openapi.json", openapi_json, name="openapi"),
    Route("/api/papers", papers, name="api_papers"),
    Route("/api/papers/{arxiv_id:arxiv_id}", paper, name="api_paper"),
    Route("/api/list/{categories}", paper_list, name="api_list"),
    Route("/api/bibtex", bibtex_export, name="api_bibtex"),
]

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date"}
_DATETIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, openapi.Schema] = {
    "Version": {
        "type": "object",
        "properties": {
            "version": {"type": "integer"},
            "submitted": _DATETIME,
            "size": _NULLABLE_STRING,
        },
    },
    "Paper": {
        "type": "object",
        "required": ["id", "version", "title", "authors", "categories", "abs_url", "pdf_url"],
        "properties": {
            "id": {"type": "string", "examples": ["2401.01234", "hep-th/9901001"]},
            "version": {"type": "integer", "minimum": 1},
            "title": {"type": "string", "description": "As arXiv gives it, TeX included."},
            "abstract": {"type": "string"},
            "authors": {"type": "array", "items": {"type": "string"}},
            "primary_category": _NULLABLE_STRING,
            "categories": {"type": "array", "items": {"type": "string"}},
            "published": _DATETIME,
            "updated": _DATETIME,
            "comment": _NULLABLE_STRING,
            "journal_ref": _NULLABLE_STRING,
            "doi": _NULLABLE_STRING,
            "abs_url": {"type": "string", "format": "uri"},
            "pdf_url": {"type": "string", "format": "uri"},
            "html_url": {"type": ["string", "null"], "format": "uri"},
            "code_links": {
                "type": "array",
                "description": "Links to code found in the full text (one paper): own is true"
                " for the paper's own code.",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "host": {"type": "string"},
                        "own": {"type": "boolean"},
                    },
                },
            },
            "versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}},
            "title_html": {"type": "string", "description": "With html=1: safe HTML, MathML."},
            "abstract_html": {"type": "string", "description": "With html=1: safe HTML, MathML."},
            "authors_display": {
                "type": "array",
                "items": {"type": "string"},
                "description": "With html=1: the names with TeX accents as Unicode.",
            },
        },
    },
    "ListedPaper": {
        "allOf": [
            {"$ref": "#/components/schemas/Paper"},
            {
                "type": "object",
                "properties": {
                    "announce_type": {
                        "type": ["string", "null"],
                        "enum": ["new", "cross", "replace", "replace-cross", None],
                    },
                    "code_url": {"type": ["string", "null"], "format": "uri"},
                    "matches": {
                        "type": ["boolean", "null"],
                        "description": "Whether the paper passes the keywords (null: none).",
                    },
                },
            },
        ]
    },
    "PaperList": {
        "type": "object",
        "required": ["categories", "expression", "date", "papers"],
        "properties": {
            "categories": {"type": "array", "items": {"type": "string"}},
            "exclude": {"type": "array", "items": {"type": "string"}},
            "expression": {"type": "string", "examples": ["cs.AI+cs.LG-cs.CY"]},
            "with_code": {"type": "integer", "description": "Papers of the list with code."},
            "date": _DATE,
            "previous_date": _DATE,
            "next_date": _DATE,
            "from_announcements": {
                "type": "boolean",
                "description": "False when the day is the papers' publication date.",
            },
            "types": {"type": "string", "enum": ["new", "cross", "all"]},
            "type_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "total": {"type": "integer"},
            "matching": {"type": "integer"},
            "papers": {"type": "array", "items": {"$ref": "#/components/schemas/ListedPaper"}},
        },
    },
    "Papers": {
        "type": "object",
        "properties": {
            "papers": {"type": "array", "items": {"$ref": "#/components/schemas/Paper"}},
            "missing": {"type": "array", "items": {"type": "string"}},
        },
    },
}

ARXIV_ID = openapi.path_parameter(
    "arxiv_id",
    "New-style (2401.01234) or old-style (hep-th/9901001) id, or a venue paper's"
    " <source>:<key> (acl:2024.acl-long.1, pmlr:v247/agrawal24a): its answer adds the venue's"
    " fields (venue, track, decision, pages, landing_url, keywords, tldr, arxiv_id).",
)
_IDS = openapi.query_parameter(
    "ids",
    "arXiv ids separated by commas; what is not an arXiv id is left out.",
    {"type": "string"},
    required=True,
)
_HTML = openapi.query_parameter(
    "html",
    "1 adds title_html, abstract_html and authors_display.",
    openapi.optional({"type": "string", "enum": ["0", "1"]}),
)
_NO_IDS = "No ids parameter, or html not 0 or 1"

PATHS: dict[str, dict[str, object]] = {
    "/api/papers/{arxiv_id}": {
        "get": {
            "operationId": "getPaper",
            "summary": "One paper",
            "parameters": [ARXIV_ID, _HTML],
            "responses": {
                "200": openapi.json_response("The paper", "Paper"),
                "400": openapi.error_response("html is not 0 or 1"),
                "404": openapi.error_response("Not an arXiv id, or not in this archive"),
            },
        }
    },
    "/api/papers": {
        "get": {
            "operationId": "getPapers",
            "summary": "Several papers, in the order asked",
            "parameters": [_IDS, _HTML],
            "responses": {
                "200": openapi.json_response("The papers found, and the ids missing", "Papers"),
                "400": openapi.error_response(_NO_IDS),
            },
        }
    },
    "/api/list/{categories}": {
        "get": {
            "operationId": "getList",
            "summary": "The papers of categories on one announcement day",
            "parameters": [
                openapi.path_parameter(
                    "categories",
                    "cs.AI, cs.AI,cs.CL (merged) or cs.AI+cs.LG-cs.CY "
                    "(union, then minus the papers also in cs.CY).",
                ),
                *pages.LIST_QUERY,
            ],
            "responses": {
                "200": openapi.json_response("The list", "PaperList"),
                "400": openapi.error_response("A malformed parameter"),
                "404": openapi.error_response("Not a category expression"),
            },
        }
    },
    "/api/bibtex": {
        "get": {
            "operationId": "getBibtex",
            "summary": "BibTeX entries of papers",
            "parameters": [_IDS],
            "responses": {
                "200": {
                    "description": "BibTeX",
                    "content": {"application/x-bibtex": {"schema": {"type": "string"}}},
                },
                "400": openapi.error_response("No ids parameter"),
                "404": openapi.error_response("None of the papers is in this archive"),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This description",
            "responses": {
                "200": openapi.json_response("OpenAPI 3.1", {"type": "object"}),
            },
        }
    },
}

OPENAPI = openapi.Description(PATHS, SCHEMAS)
DESCRIBED = (
    OPENAPI,
    summary_api.OPENAPI,
    fulltext_web.OPENAPI,
    search_pages.OPENAPI,
    demo_pages.OPENAPI,
    pages.OPENAPI,
    venues.OPENAPI,
    alerts.OPENAPI,
    related.OPENAPI,
    popularity.OPENAPI,
)

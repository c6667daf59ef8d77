"""The summary API: the cached FAQ of a paper, its generation streamed as server-sent
events, and regeneration for the admin.

- ``GET /api/papers/<id>/summary?lang=en`` — the summary to show (questions, answers as
  Markdown and HTML, the paper version it is for, model, status), or 404 with
  ``summary_status`` (none, queued, generating, failed) when there is none.
- ``GET /api/papers/<id>/summary/stream?lang=en`` — ``text/event-stream`` of the events of
  ``summaries.events``: joins the generation in progress or replays the cached summary; it
  never starts one (404 with ``summary_status`` when there is nothing to follow), so that
  no link or image elsewhere can spend the budget through a visitor's browser.
- ``POST /api/papers/<id>/summary/stream?lang=en`` — the same stream, starting the
  generation when there is none. Only from this site's pages (``Sec-Fetch-Site:
  same-origin``, or an Origin that is the site's; else 403). 429 when the client (its
  address, the /64 of an IPv6 one) started too many, 503 when the day's budget is spent.
- ``POST /api/papers/<id>/summary/regenerate?lang=en`` with ``Authorization: Bearer
  <ADMIN_TOKEN>`` — generate again even though a summary is cached (202).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from crawler.ids import InvalidArxivId, parse_arxiv_id
from summaries import (
    BudgetExhausted,
    Event,
    Job,
    Lookup,
    PaperNotFound,
    RateLimited,
    StoredSummary,
    SummaryService,
)
from summaries.markdown import MarkdownRenderer
from web import openapi
from web.admin import LockedOut, bearer_admin
from web.math import tex_to_mathml
from web.security import client_address, same_site, site_url

HEARTBEAT_SECONDS = 15.0
EXTRACTIVE_LABEL = (
    "Extractive summary: sentences picked from the abstract by coolpapers,"
    " not written by a language model."
)

renderer = MarkdownRenderer(tex_to_mathml)


def service(request: Request) -> SummaryService:
    """The app's summary service, made on first use by ``app.state.summary_factory``
    (default ``SummaryService.from_settings``)."""
    state = request.app.state
    found = getattr(state, "summaries", None)
    if found is None:
        factory = getattr(state, "summary_factory", None) or SummaryService.from_settings
        found = state.summaries = factory(state.settings, state.sessions)
    return found


def error(status: int, message: str, headers: dict[str, str] | None = None, **extra) -> Response:
    return JSONResponse(
        {"error": message, "status": status, **extra}, status_code=status, headers=headers
    )


def _paper_and_language(request: Request, summaries: SummaryService) -> tuple[str, str]:
    raw = request.path_params["arxiv_id"]
    arxiv_id = parse_arxiv_id(raw).id  # raises InvalidArxivId
    language = request.query_params.get("lang") or summaries.languages[0]
    summaries.check_language(language)  # raises ValueError
    return arxiv_id, language


def faq_json(faq: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**item, "html": renderer.render(item["answer"])} for item in faq]


def label(summary: dict[str, Any]) -> str:
    if summary["kind"] == "extractive":
        return EXTRACTIVE_LABEL
    source = "full text" if summary.get("used_full_text") else "title and abstract"
    return f"Answers by {summary['model']} from the {source} of v{summary['version']}."


def summary_json(stored: StoredSummary, paper_version: int, model: str) -> dict[str, Any]:
    data = stored.as_dict()
    data["faq"] = faq_json(data["faq"])
    data["paper_version"] = paper_version
    data["current"] = stored.key.version == paper_version and stored.key.model == model
    data["label"] = label(data)
    return data


def lookup_json(lookup: Lookup) -> dict[str, Any]:
    generation = {
        "status": lookup.generation.state,
        "position": lookup.generation.position,
        "error": lookup.generation.error,
    }
    assert lookup.summary is not None
    data = summary_json(lookup.summary, lookup.key.version, lookup.key.model)
    data["generation"] = generation
    return data


def _bad_request(request: Request, summaries: SummaryService) -> Response | tuple[str, str]:
    try:
        return _paper_and_language(request, summaries)
    except InvalidArxivId:
        return error(404, f"not an arXiv identifier: {request.path_params['arxiv_id'][:80]}")
    except ValueError as exc:
        return error(400, str(exc))


async def summary(request: Request) -> Response:
    summaries = service(request)
    parsed = _bad_request(request, summaries)
    if isinstance(parsed, Response):
        return parsed
    arxiv_id, language = parsed
    try:
        lookup = await summaries.lookup(arxiv_id, language)
    except PaperNotFound as exc:
        return error(404, str(exc))
    if lookup.summary is None:
        generation = lookup.generation
        return error(
            404,
            generation.error or f"no {language} summary of {arxiv_id} yet",
            summary_status=generation.state,
            position=generation.position,
            paper_version=lookup.key.version,
        )
    return JSONResponse(lookup_json(lookup))


def encode(event: Event, job: Job) -> str:
    data = event.data
    if event.type == "answer":
        data = {**data, "html": renderer.render(data["answer"])}
    elif event.type == "done" and job.result is not None:
        data = summary_json(job.result, job.paper.version, job.key.model)
    payload = json.dumps(data, ensure_ascii=False)
    return f"event: {event.type}\ndata: {payload}\n\n"


async def _event_stream(job: Job) -> AsyncIterator[str]:
    yield ": coolpapers summary stream\n\n"
    async for event in job.follow(heartbeat=HEARTBEAT_SECONDS):
        yield ": ping\n\n" if event is None else encode(event, job)


def _event_response(job: Job) -> Response:
    return StreamingResponse(
        _event_stream(job),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def follow(request: Request) -> Response:
    """GET: the generation in progress or the cached summary; never a new generation."""
    summaries = service(request)
    parsed = _bad_request(request, summaries)
    if isinstance(parsed, Response):
        return parsed
    arxiv_id, language = parsed
    try:
        job = await summaries.join(arxiv_id, language)
    except PaperNotFound as exc:
        return error(404, str(exc))
    if job is None:
        return error(
            404,
            f"no {language} summary of {arxiv_id} is being made; start one with a POST",
            summary_status="none",
        )
    return _event_response(job)


async def stream(request: Request) -> Response:
    """POST: start the generation (or join it, or replay the cached summary)."""
    settings = request.app.state.settings
    if not same_site(request, settings):
        return error(403, "summaries are started from this site's pages only")
    summaries = service(request)
    parsed = _bad_request(request, summaries)
    if isinstance(parsed, Response):
        return parsed
    arxiv_id, language = parsed
    client = client_address(request, settings)
    try:
        job = await summaries.start(arxiv_id, language, client=client)
    except PaperNotFound as exc:
        return error(404, str(exc))
    except RateLimited as exc:
        return error(429, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))})
    except BudgetExhausted as exc:
        return error(503, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))})
    return _event_response(job)


async def regenerate(request: Request) -> Response:
    try:
        admin = bearer_admin(request)
    except LockedOut as exc:
        return error(429, exc.detail, exc.headers)
    if admin is None:
        return error(403, "regeneration is disabled: no ADMIN_TOKEN is configured")
    if not admin:
        return error(
            401, "an admin bearer token is required", {"WWW-Authenticate": 'Bearer realm="admin"'}
        )
    summaries = service(request)
    parsed = _bad_request(request, summaries)
    if isinstance(parsed, Response):
        return parsed
    arxiv_id, language = parsed
    try:
        job = await summaries.start(arxiv_id, language, force=True)
    except PaperNotFound as exc:
        return error(404, str(exc))
    except BudgetExhausted as exc:
        return error(503, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))})
    return JSONResponse(
        {
            "paper": job.key.paper_id,
            "version": job.key.version,
            "language": job.key.language,
            "model": job.key.model,
            "summary_status": job.state.value,
            "stream": site_url(request, request.app.state.settings)
            + request.app.url_path_for("summary_stream", arxiv_id=arxiv_id)
            + f"?lang={language}",
        },
        status_code=202,
    )


routes = [
    Route("/api/papers/{arxiv_id:path}/summary/stream", follow, name="summary_stream"),
    Route("/api/papers/{arxiv_id:path}/summary/stream", stream, methods=["POST"]),
    Route(
        "/api/papers/{arxiv_id:path}/summary/regenerate",
        regenerate,
        methods=["POST"],
        name="summary_regenerate",
    ),
    Route("/api/papers/{arxiv_id:path}/summary", summary, name="summary"),
]

_ARXIV_ID = {
    "name": "arxiv_id",
    "in": "path",
    "required": True,
    "description": "New-style (2401.01234) or old-style (hep-th/9901001) id.",
    "schema": {"type": "string"},
}
_LANG = openapi.query_parameter(
    "lang", "Language of the summary.", {"type": "string", "enum": ["en", "zh"], "default": "en"}
)


def _summary_operation(
    operation_id: str, summary: str, ok: dict[str, object], errors: dict[str, str]
) -> dict[str, object]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [_ARXIV_ID, _LANG],
            "responses": {
                "200": ok,
                **{status: openapi.error_response(text) for status, text in errors.items()},
            },
        }
    }


openapi.EXTRA_PATHS["/api/papers/{arxiv_id}/summary"] = _summary_operation(
    "getSummary",
    "The cached FAQ summary of a paper",
    {
        "description": "Questions and answers, the version covered, model and status",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    {"404": "No summary yet (with its status), or no such paper"},
)
_EVENTS = {
    "description": "Server-sent events",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}
openapi.EXTRA_PATHS["/api/papers/{arxiv_id}/summary/stream"] = {
    **_summary_operation(
        "followSummary",
        "The summary as server-sent events: the generation in progress, or the cached one",
        _EVENTS,
        {"404": "Nothing to follow (no generation in progress, no summary), or no such paper"},
    ),
    "post": _summary_operation(
        "streamSummary",
        "The summary as server-sent events, starting its generation if need be (from this"
        " site's pages only: Origin or Sec-Fetch-Site must be this site's)",
        _EVENTS,
        {
            "403": "Not sent from this site",
            "429": "Too many generations started by this client",
            "503": "The day's budget of model calls is spent",
        },
    )["get"],
}

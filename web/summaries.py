"""The summary API: the cached FAQ of a paper, its generation streamed as server-sent
events, and regeneration for the admin.

- ``GET /api/papers/<id>/summary?lang=en`` — the summary to show (questions, answers as
  Markdown and HTML, the paper version it is for, model, status), or 404 with
  ``summary_status`` (none, queued, generating, failed) when there is none.
- ``GET /api/papers/<id>/summary/stream?lang=en`` — ``text/event-stream`` of the events of
  ``summaries.events``; starts the generation, or joins the one in progress, or replays the
  cached summary. 429 when the client started too many, 503 when the day's budget is spent.
- ``POST /api/papers/<id>/summary/regenerate?lang=en`` with ``Authorization: Bearer
  <ADMIN_TOKEN>`` — generate again even though a summary is cached (202).
"""

from __future__ import annotations

import hmac
import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
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
from summaries.citations import SectionLinks, link_citations, section_links
from summaries.markdown import MarkdownRenderer
from web import openapi
from web.math import tex_to_mathml

HEARTBEAT_SECONDS = 15.0
EXTRACTIVE_LABEL = (
    "Extractive summary: sentences picked from the abstract by coolpapers,"
    " not written by a language model."
)
EXTRACTIVE_FULL_TEXT_LABEL = {
    "en": "Extractive summary: sentences quoted from the full text of v{version} by coolpapers,"
    " not written by a language model.",
    "zh": "抽取式摘要：coolpapers 从 v{version} 全文中摘录的原句（引文为论文的英文原文），"
    "不是语言模型写的。",
}

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


def render(answer: str, links: SectionLinks | None = None) -> str:
    """An answer as HTML, its ``[§n]`` citations linked to the paper's sections."""
    return link_citations(renderer.render(answer), links)


async def links_of(request: Request, paper_id: str, version: int) -> SectionLinks | None:
    """Where the sections of a paper version are, when its full text is stored."""
    state = request.app.state
    async with state.sessions() as session:
        return await section_links(session, paper_id, version, state.settings.ARXIV_HTML_BASE)


def faq_json(faq: list[dict[str, str]], links: SectionLinks | None = None) -> list[dict[str, str]]:
    return [{**item, "html": render(item["answer"], links)} for item in faq]


def label(summary: dict[str, Any]) -> str:
    if summary["kind"] == "extractive":
        if summary.get("used_full_text"):
            template = EXTRACTIVE_FULL_TEXT_LABEL.get(summary.get("language", "en"))
            return (template or EXTRACTIVE_FULL_TEXT_LABEL["en"]).format(version=summary["version"])
        return EXTRACTIVE_LABEL
    source = "full text" if summary.get("used_full_text") else "title and abstract"
    return f"Answers by {summary['model']} from the {source} of v{summary['version']}."


def summary_json(
    stored: StoredSummary, paper_version: int, model: str, links: SectionLinks | None = None
) -> dict[str, Any]:
    data = stored.as_dict()
    data["faq"] = faq_json(data["faq"], links)
    data["paper_version"] = paper_version
    data["current"] = stored.key.version == paper_version and stored.key.model == model
    data["label"] = label(data)
    return data


def lookup_json(lookup: Lookup, links: SectionLinks | None = None) -> dict[str, Any]:
    generation = {
        "status": lookup.generation.state,
        "position": lookup.generation.position,
        "error": lookup.generation.error,
    }
    assert lookup.summary is not None
    data = summary_json(lookup.summary, lookup.key.version, lookup.key.model, links)
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
    shown = lookup.summary.key
    links = await links_of(request, shown.paper_id, shown.version)
    return JSONResponse(lookup_json(lookup, links))


def encode(event: Event, job: Job, links: SectionLinks | None = None) -> str:
    data = event.data
    if event.type == "answer":
        data = {**data, "html": render(data["answer"], links)}
    elif event.type == "done" and job.result is not None:
        data = summary_json(job.result, job.paper.version, job.key.model, links)
    payload = json.dumps(data, ensure_ascii=False)
    return f"event: {event.type}\ndata: {payload}\n\n"


async def _event_stream(
    job: Job, find_links: Callable[[], Awaitable[SectionLinks | None]]
) -> AsyncIterator[str]:
    yield ": coolpapers summary stream\n\n"
    links: SectionLinks | None = None
    async for event in job.follow(heartbeat=HEARTBEAT_SECONDS):
        if event is None:
            yield ": ping\n\n"
            continue
        if links is None and event.type in ("answer", "done"):
            links = await find_links()  # once the full text the answers cite is stored
        yield encode(event, job, links)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def stream(request: Request) -> Response:
    summaries = service(request)
    parsed = _bad_request(request, summaries)
    if isinstance(parsed, Response):
        return parsed
    arxiv_id, language = parsed
    try:
        job = await summaries.start(arxiv_id, language, client=client_address(request))
    except PaperNotFound as exc:
        return error(404, str(exc))
    except RateLimited as exc:
        return error(429, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))})
    except BudgetExhausted as exc:
        return error(503, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))})
    key = job.key
    return StreamingResponse(
        _event_stream(job, lambda: links_of(request, key.paper_id, key.version)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _is_admin(request: Request) -> bool | None:
    """None when no admin token is configured; else whether the request carries it."""
    token = request.app.state.settings.ADMIN_TOKEN.get_secret_value()
    if not token:
        return None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


async def regenerate(request: Request) -> Response:
    admin = _is_admin(request)
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
            "stream": str(request.url_for("summary_stream", arxiv_id=arxiv_id))
            + f"?lang={language}",
        },
        status_code=202,
    )


routes = [
    Route("/api/papers/{arxiv_id:path}/summary/stream", stream, name="summary_stream"),
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
openapi.EXTRA_PATHS["/api/papers/{arxiv_id}/summary/stream"] = _summary_operation(
    "streamSummary",
    "The summary as server-sent events, starting or joining its generation",
    {
        "description": "Server-sent events",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    {
        "429": "Too many generations started by this client",
        "503": "The day's budget of model calls is spent",
    },
)

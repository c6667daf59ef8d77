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

``<id>`` is an arXiv id or a venue paper's ``<source>:<key>``. A venue paper whose arXiv
twin agrees with it (``venues.store.agreeing_twin``) and has a complete summary shows that
summary (its answer says so in ``shared_from`` and its label) rather than making another.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from models.summary import SummaryStatus
from summaries import (
    BudgetExhausted,
    Event,
    Lookup,
    PaperNotFound,
    RateLimited,
    StoredSummary,
    SummaryJob,
    SummaryService,
)
from summaries.citations import SectionLinks, link_citations, section_links
from summaries.markdown import MarkdownRenderer
from summaries.store import summaries_of
from venues.names import is_venue_paper_id, parse_paper_id
from venues.store import agreeing_twin
from web import openapi
from web.admin import bearer_admin
from web.errors import HTTPError
from web.security import client_address, same_site, site_url
from web.tex import tex_to_mathml

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
# A venue paper's full text is the PDF its venue links (``fulltext.fetch.fetch_venue_pdf``).
EXTRACTIVE_VENUE_PDF_LABEL = {
    "en": "Extractive summary: sentences quoted from the full text of the venue's PDF by"
    " coolpapers, not written by a language model.",
    "zh": "抽取式摘要：coolpapers 从会议所给 PDF 全文中摘录的原句（引文为论文的英文原文），"
    "不是语言模型写的。",
}
SHARED_LABEL = {
    "en": "The FAQ of the arXiv version {arxiv_id}, whose text agrees with this one.",
    "zh": "这是 arXiv 版本 {arxiv_id} 的 FAQ（两个版本的内容一致）。",
}

renderer = MarkdownRenderer(tex_to_mathml)


def service(request: Request) -> SummaryService:
    """The app's summary service (built by ``web.app.create_app``)."""
    summaries: SummaryService = request.app.state.summaries
    return summaries


def _paper_and_language(request: Request, summaries: SummaryService) -> tuple[str, str]:
    raw = request.path_params["arxiv_id"]
    try:
        arxiv_id = parse_paper_id(raw)
    except ValueError:
        raise HTTPError(404, f"not an arXiv id nor a venue paper's: {raw[:80]}") from None
    language = request.query_params.get("lang", summaries.languages[0])
    try:
        summaries.check_language(language)
    except ValueError as exc:
        raise HTTPError(400, str(exc)) from None
    return arxiv_id, language


async def shared_with(request: Request, paper_id: str, language: str) -> str | None:
    """The arXiv twin whose complete summary a venue paper shows, if any (see above)."""
    if not is_venue_paper_id(paper_id):
        return None
    async with request.app.state.sessions() as session:
        twin = await agreeing_twin(session, paper_id)
        if twin is None:
            return None
        stored = await summaries_of(session, twin, language)
    return twin if any(s.status == SummaryStatus.COMPLETE for s in stored) else None


def render(answer: str, links: SectionLinks | None = None) -> str:
    """An answer as HTML, its ``[§n]`` citations linked to the paper's sections."""
    return link_citations(renderer.render(answer), links)


async def links_of(request: Request, paper_id: str, version: int) -> SectionLinks | None:
    """Where the sections of a paper version are, when its full text is stored (arXiv's HTML
    rendering; a venue paper's PDF has no section anchors, so its citations stay text)."""
    if is_venue_paper_id(paper_id):
        return None
    state = request.app.state
    async with state.sessions() as session:
        return await section_links(session, paper_id, version, state.settings.ARXIV_HTML_BASE)


def faq_json(faq: list[dict[str, str]], links: SectionLinks | None = None) -> list[dict[str, str]]:
    return [{**item, "html": render(item["answer"], links)} for item in faq]


def label(summary: dict[str, Any]) -> str:
    """What a summary was made from: the full text (of a venue paper, its venue's PDF) or
    the title and abstract, and by whom."""
    from_pdf = is_venue_paper_id(str(summary.get("paper", "")))
    if summary["kind"] == "extractive":
        if summary.get("used_full_text"):
            templates = EXTRACTIVE_VENUE_PDF_LABEL if from_pdf else EXTRACTIVE_FULL_TEXT_LABEL
            template = templates.get(summary.get("language", "en"), templates["en"])
            return template.format(version=summary["version"])
        return EXTRACTIVE_LABEL
    if summary.get("used_full_text") and from_pdf:
        return f"Answers by {summary['model']} from the full text of the venue's PDF."
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


def shared_json(data: dict[str, Any], twin: str | None) -> dict[str, Any]:
    """``data`` (a summary's answer) marked as the arXiv twin's when ``twin`` is set."""
    if twin is not None:
        template = SHARED_LABEL.get(data.get("language", "en"), SHARED_LABEL["en"])
        data["shared_from"] = twin
        data["label"] = template.format(arxiv_id=twin) + " " + data["label"]
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


async def summary(request: Request) -> Response:
    summaries = service(request)
    arxiv_id, language = _paper_and_language(request, summaries)
    twin = await shared_with(request, arxiv_id, language)
    try:
        lookup = await summaries.lookup(twin or arxiv_id, language)
    except PaperNotFound as exc:
        raise HTTPError(404, str(exc)) from None
    if lookup.summary is None:
        generation = lookup.generation
        raise HTTPError(
            404,
            generation.error or f"no {language} summary of {arxiv_id} yet",
            summary_status=generation.state,
            position=generation.position,
            paper_version=lookup.key.version,
        )
    shown = lookup.summary.key
    links = await links_of(request, shown.paper_id, shown.version)
    return JSONResponse(shared_json(lookup_json(lookup, links), twin))


def encode(
    event: Event, job: SummaryJob, links: SectionLinks | None = None, twin: str | None = None
) -> str:
    data = event.data
    if event.type == "answer":
        data = {**data, "html": render(data["answer"], links)}
    elif event.type == "done" and job.result is not None:
        data = shared_json(summary_json(job.result, job.paper.version, job.key.model, links), twin)
    payload = json.dumps(data, ensure_ascii=False)
    return f"event: {event.type}\ndata: {payload}\n\n"


async def _event_stream(
    job: SummaryJob,
    find_links: Callable[[], Awaitable[SectionLinks | None]],
    twin: str | None = None,
) -> AsyncIterator[str]:
    yield ": coolpapers summary stream\n\n"
    links: SectionLinks | None = None
    async for event in job.follow(heartbeat=HEARTBEAT_SECONDS):
        if event is None:
            yield ": ping\n\n"
            continue
        if links is None and event.type in ("answer", "done"):
            links = await find_links()  # once the full text the answers cite is stored
        yield encode(event, job, links, twin)


def _event_response(request: Request, job: SummaryJob, twin: str | None = None) -> Response:
    key = job.key
    return StreamingResponse(
        _event_stream(job, lambda: links_of(request, key.paper_id, key.version), twin),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def follow(request: Request) -> Response:
    """GET: the generation in progress or the cached summary; never a new generation."""
    summaries = service(request)
    arxiv_id, language = _paper_and_language(request, summaries)
    twin = await shared_with(request, arxiv_id, language)
    try:
        job = await summaries.join(twin or arxiv_id, language)
    except PaperNotFound as exc:
        raise HTTPError(404, str(exc)) from None
    if job is None:
        raise HTTPError(
            404,
            f"no {language} summary of {arxiv_id} is being made; start one with a POST",
            summary_status="none",
        )
    return _event_response(request, job, twin)


async def stream(request: Request) -> Response:
    """POST: start the generation (or join it, or replay the cached summary)."""
    settings = request.app.state.settings
    if not same_site(request, settings):
        raise HTTPError(403, "summaries are started from this site's pages only")
    summaries = service(request)
    arxiv_id, language = _paper_and_language(request, summaries)
    twin = await shared_with(request, arxiv_id, language)
    try:
        job = await summaries.start(
            twin or arxiv_id, language, client=client_address(request, settings)
        )
    except PaperNotFound as exc:
        raise HTTPError(404, str(exc)) from None
    except RateLimited as exc:
        raise HTTPError(429, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))}) from None
    except BudgetExhausted as exc:
        raise HTTPError(503, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))}) from None
    return _event_response(request, job, twin)


async def follow_or_start(request: Request) -> Response:
    """One route for both methods, so that a 405 lists them both in its Allow header."""
    return await (stream(request) if request.method == "POST" else follow(request))


async def regenerate(request: Request) -> Response:
    admin = bearer_admin(request)  # raises LockedOut (429) after too many wrong tokens
    if admin is None:
        raise HTTPError(403, "regeneration is disabled: no ADMIN_TOKEN is configured")
    if not admin:
        raise HTTPError(
            401, "an admin bearer token is required", {"WWW-Authenticate": 'Bearer realm="admin"'}
        )
    summaries = service(request)
    arxiv_id, language = _paper_and_language(request, summaries)
    try:
        job = await summaries.start(arxiv_id, language, force=True)
    except PaperNotFound as exc:
        raise HTTPError(404, str(exc)) from None
    except BudgetExhausted as exc:
        raise HTTPError(503, str(exc), {"Retry-After": str(math.ceil(exc.retry_after))}) from None
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
    Route(
        "/api/papers/{arxiv_id:path}/summary/stream",
        follow_or_start,
        methods=["GET", "POST"],
        name="summary_stream",
    ),
    Route(
        "/api/papers/{arxiv_id:path}/summary/regenerate",
        regenerate,
        methods=["POST"],
        name="summary_regenerate",
    ),
    Route("/api/papers/{arxiv_id:path}/summary", summary, name="summary"),
]

_ARXIV_ID = openapi.path_parameter(
    "arxiv_id",
    "New-style (2401.01234) or old-style (hep-th/9901001) arXiv id, or a venue paper's"
    " <source>:<key> (acl:2024.acl-long.1): a venue paper whose arXiv version agrees with it"
    " and has a complete summary shows that one (shared_from names it).",
)
_LANG = openapi.query_parameter(
    "lang",
    "Language of the summary (one of SUMMARY_LANGUAGES).",
    {"type": "string", "enum": ["en", "zh"], "default": "en"},
)
_BAD = {
    "400": "A language this site does not summarise in",
    "404": "Not a paper id, or no such paper",
}
_RETRY_AFTER = {"Retry_After": "Seconds to wait"}


def _summary_operation(
    method: str,
    operation_id: str,
    summary: str,
    ok: dict[str, dict[str, object]],
    errors: dict[str, str],
    headers: dict[str, dict[str, str]] | None = None,
    **more: object,
) -> dict[str, object]:
    headers = headers or {}
    responses = {
        status: openapi.error_response(text, **headers.get(status, {}))
        for status, text in {**_BAD, **errors}.items()
    }
    return {
        method: {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [_ARXIV_ID, _LANG],
            "responses": {**ok, **responses},
            **more,
        }
    }


_OBJECT = {"type": "object"}
_EVENTS = {
    "description": "Server-sent events",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}

OPENAPI = openapi.Description(
    {
        "/api/papers/{arxiv_id}/summary": _summary_operation(
            "get",
            "getSummary",
            "The cached FAQ summary of a paper",
            {
                "200": openapi.json_response(
                    "Questions and answers, version, model, status", _OBJECT
                )
            },
            {"404": "No summary yet (with its summary_status), not a paper id, or no such paper"},
        ),
        "/api/papers/{arxiv_id}/summary/stream": {
            **_summary_operation(
                "get",
                "followSummary",
                "The summary as server-sent events: the generation in progress, or the cached one"
                " (never starts a generation)",
                {"200": _EVENTS},
                {"404": "Nothing to follow (no generation, no summary), or no such paper"},
            ),
            **_summary_operation(
                "post",
                "streamSummary",
                "The summary as server-sent events, starting its generation if need be (from this"
                " site's pages only: Origin or Sec-Fetch-Site must be this site's)",
                {"200": _EVENTS},
                {
                    "403": "Not sent from this site's pages",
                    "429": "Too many generations started by this client",
                    "503": "The day's budget of model calls is spent",
                },
                {"429": _RETRY_AFTER, "503": _RETRY_AFTER},
            ),
        },
        "/api/papers/{arxiv_id}/summary/regenerate": _summary_operation(
            "post",
            "regenerateSummary",
            "Generate a paper's summary again (admin)",
            {"202": openapi.json_response("The generation started, and its stream", _OBJECT)},
            {
                "401": "No or a wrong admin bearer token",
                "403": "Regeneration is disabled: no ADMIN_TOKEN is configured",
                "429": "Too many wrong admin tokens from this client",
                "503": "The day's budget of model calls is spent",
            },
            {"401": {"WWW_Authenticate": "Bearer"}, "429": _RETRY_AFTER, "503": _RETRY_AFTER},
            security=[{"adminToken": []}],
        ),
    },
    security_schemes={"adminToken": {"type": "http", "scheme": "bearer"}},
)

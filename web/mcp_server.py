"""The archive for agents: a Model Context Protocol server (the official ``mcp`` SDK).

Its tools: ``search`` the archive, ``list_day`` (a category expression's papers of a day),
``get_paper``, ``get_summary`` (a stored summary only: never starts a paid generation) and
``related_papers``. ``coolpapers mcp`` serves them over stdio; the site serves the same
tools over streamable HTTP at ``/mcp`` (``serving_http``, started by ``web.mcp_http``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError  # its message reaches the agent
from mcp.server.transport_security import TransportSecuritySettings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp

from crawler.ids import InvalidArxivId, parse_arxiv_id
from models.queries import get_paper
from search import search_papers
from search.engine import SORTS
from summaries import SummaryService
from web.listing import BadListRequest, ListRequest, fetch_list
from web.related import AlikeCache
from web.related import related_papers as related_of
from web.serialize import paper_json

MAX_RESULTS = 50

INSTRUCTIONS = (
    "A self-hosted archive of arXiv papers. Search it, list the papers a category announced on a"
    " day, read a paper's metadata and abstract, its FAQ summary when one was made, and the"
    " papers related to it. Ids are arXiv ids such as 2401.01234 or hep-th/9901001."
)


def _paper_id(raw: str) -> str:
    try:
        return parse_arxiv_id(raw).id
    except InvalidArxivId:
        raise ToolError(f"not an arXiv identifier: {raw[:80]!r}") from None


def brief(paper: Any) -> dict[str, object]:
    """A paper as a result line: what an agent needs to choose what to read."""
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": [a.name for a in paper.authors][:10],
        "categories": [c.category for c in paper.categories],
        "published": paper.published.date().isoformat() if paper.published else None,
    }


def build_server(
    sessions: async_sessionmaker[AsyncSession], summaries: SummaryService, alike: AlikeCache
) -> MCPServer:
    """The tools over ``sessions``, the archive's database, with the site's (or the command's)
    summary service and related papers' cache."""
    server: MCPServer = MCPServer("coolpapers", instructions=INSTRUCTIONS)

    @server.tool()
    async def search(query: str, limit: int = 10, sort: str = "relevance") -> dict[str, object]:
        """Search titles, abstracts and authors. The query language: words must all match,
        "exact phrase", -word, a OR b, ti: abs: au: for one field, cat:cs.CL,
        from:2024-01-01, until:2024-12. sort: relevance or date (newest first)."""
        chosen = next((s for s in SORTS if s == sort), None)
        if chosen is None:
            raise ToolError("sort: relevance or date")
        async with sessions() as session:
            page = await search_papers(
                session,
                query,
                sort=chosen,
                limit=max(1, min(limit, MAX_RESULTS)),
            )
        return {"total": page.total, "papers": [brief(hit.paper) for hit in page.hits]}

    @server.tool()
    async def list_day(categories: str, date: str = "") -> dict[str, object]:
        """The papers announced in a category expression on a day (YYYY-MM-DD; empty: the
        latest day). Expressions: cs.AI, cs.AI,cs.CL (merged), cs.AI+cs.LG-cs.CY."""
        try:
            wanted = ListRequest.parse(categories, {"date": date} if date else {})
        except BadListRequest as error:
            raise ToolError(error.message) from None
        async with sessions() as session:
            result = await fetch_list(session, wanted)
        listing = result.listing
        return {
            "day": listing.day.isoformat() if listing.day else None,
            "previous_day": listing.previous_day.isoformat() if listing.previous_day else None,
            "papers": [
                {**brief(e.item.paper), "announce_type": e.item.announce_type.value}
                if e.item.announce_type
                else brief(e.item.paper)
                for e in result.entries
            ],
        }

    @server.tool(name="get_paper")
    async def get_paper_tool(arxiv_id: str) -> dict[str, object]:
        """A paper: title, authors, abstract, categories, dates, links, versions."""
        paper_id = _paper_id(arxiv_id)
        async with sessions() as session:
            paper = await get_paper(session, paper_id)
            if paper is None or paper.hidden:
                raise ToolError(f"no paper {paper_id} in this archive")
            return paper_json(paper)

    @server.tool()
    async def get_summary(arxiv_id: str, language: str = "en") -> dict[str, object]:
        """The FAQ summary of a paper (questions and Markdown answers), when one was made.
        Never starts a generation: without one, says so."""
        paper_id = _paper_id(arxiv_id)
        service = summaries
        try:
            service.check_language(language)
        except ValueError as error:
            raise ToolError(str(error)) from None
        try:
            lookup = await service.lookup(paper_id, language)
        except LookupError as error:
            raise ToolError(str(error)) from None
        if lookup.summary is None:
            return {"id": paper_id, "summary": None, "status": lookup.generation.state}
        data = lookup.summary.as_dict()
        return {
            "id": paper_id,
            "version": data["version"],
            "kind": data["kind"],
            "model": data.get("model"),
            "faq": [{"question": q["question"], "answer": q["answer"]} for q in data["faq"]],
        }

    @server.tool()
    async def related_papers(arxiv_id: str, limit: int = 5) -> dict[str, object]:
        """Papers related to a paper, best first."""
        paper_id = _paper_id(arxiv_id)
        async with sessions() as session:
            paper = await get_paper(session, paper_id)
            if paper is None or paper.hidden:
                raise ToolError(f"no paper {paper_id} in this archive")
            found = await related_of(alike, session, paper)
        papers = [r.paper if hasattr(r, "paper") else r for r in found]
        return {"id": paper_id, "related": [brief(p) for p in papers[: max(1, limit)]]}

    return server


@contextlib.asynccontextmanager
async def serving_http(
    sessions: async_sessionmaker[AsyncSession], summaries: SummaryService, alike: AlikeCache
) -> AsyncIterator[ASGIApp]:
    """The tools over streamable HTTP at ``/mcp``, for the site's lifespan: stateless, one
    JSON answer per request."""
    server = build_server(sessions, summaries, alike)
    app = server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        # The site's own middleware checks the Host header (ALLOWED_HOSTS).
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    async with server.session_manager.run():
        yield app

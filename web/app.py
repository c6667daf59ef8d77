"""The application factory: the one place that assembles what the site runs on.

``create_app`` builds, at start-up, the engine and its sessions, the ingest's hooks (the
search index), the summary service (and its job queue), the job runner of the admin page (on
the jobs it is given, the crawler's by default), the on-demand fetcher of papers, the related
papers' cache, the MCP server (on the same service and cache, started in the background
once the site is up: ``web.mcp_http``), the limiter of the demos'
computations and the page cache, and keeps them on ``app.state``; at shutdown it closes them.
Tests and benchmarks pass their own settings, jobs, clock, summary factory and page cache.

The middleware, outermost first: the security headers (around Starlette's own error
handling, so that a 500 page has them too), the allowed hosts, the cap on request bodies,
the preference cookies.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

import search
from crawler.ingest import IngestHooks
from fulltext import service as fulltext_service
from models.db import create_engine, session_factory
from models.settings import Settings, get_settings
from retry.clock import SYSTEM_CLOCK, Clock
from schedule import Job, Runner
from schedule.setup import calendar_of, crawler_jobs, scheduler_options
from summaries import SummaryService
from summaries.limits import RateLimiter
from web import (
    admin,
    alerts,
    api,
    demo_pages,
    errors,
    fulltext,
    mcp_http,
    ondemand,
    pages,
    popularity,
    related,
    search_pages,
    summary_api,
    venues,
)
from web.background import stop_tasks
from web.cache import PageCache
from web.demo_pages.compute import DEMO_WORKERS
from web.i18n import PreferenceCookiesMiddleware
from web.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from web.templating import STATIC_DIR


class Site(Starlette):
    """Starlette with the security headers outside its error handling."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


# Seconds the work started by requests (admin jobs, full-text fetches) gets to stop when the
# site shuts down.
SHUTDOWN_GRACE = 10.0

SummaryFactory = Callable[[Settings, async_sessionmaker[AsyncSession]], SummaryService]


def create_app(
    settings: Settings | None = None,
    *,
    jobs: list[Job] | None = None,
    summary_factory: SummaryFactory = SummaryService.from_settings,
    clock: Clock = SYSTEM_CLOCK,
    page_cache: PageCache | None = None,
    arxiv_options: dict[str, Any] | None = None,
) -> Starlette:
    """The site on ``settings``; ``jobs`` are the jobs its admin page shows and runs, ``clock``
    the one that wrong admin tokens and on-demand look-ups are counted on; ``arxiv_options``
    go to the arXiv client of the on-demand look-ups (tests: a fake clock to wait on)."""
    settings = settings or get_settings()
    search.configure(search.SearchOptions.from_settings(settings))
    hooks = IngestHooks(papers_changed=search.index_papers, papers_coming=search.foresee_papers)
    fulltext_service.on_fulltext_stored(search.index_papers)  # bodies are indexed too
    jobs = crawler_jobs(settings, hooks=hooks) if jobs is None else jobs
    alike = related.AlikeCache.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings=settings)
        sessions = session_factory(engine)
        state = app.state
        state.engine, state.sessions = engine, sessions
        alike.bind(sessions)  # the related papers' vectors are rebuilt in the background
        state.summaries = summary_factory(settings, sessions)
        state.runner = Runner(
            jobs,
            sessions,
            calendar=calendar_of(settings),
            lease_ttl=scheduler_options(settings).lease_ttl,
        )
        state.on_demand = ondemand.OnDemandFetcher(
            sessions, settings, clock=clock, client_options=arxiv_options or {}, hooks=hooks
        )
        state.demo_limiter = anyio.CapacityLimiter(DEMO_WORKERS)
        state.mcp = mcp_http.McpService()
        try:
            async with anyio.create_task_group() as background:
                # started once the site is up: importing the MCP SDK would hold its start-up
                background.start_soon(state.mcp.run, sessions, state.summaries, alike)
                try:
                    yield
                finally:
                    background.cancel_scope.cancel()
        finally:
            # what requests started stops first, while the engine it writes with is open
            await state.on_demand.aclose()
            await stop_tasks(app.state.admin_tasks, SHUTDOWN_GRACE, what="admin jobs")
            await stop_tasks(
                fulltext_service.fetches_in_flight(), SHUTDOWN_GRACE, what="full-text fetches"
            )
            await alike.stop()
            await state.page_cache.settled()
            await state.summaries.aclose()
            await engine.dispose()

    app = Site(
        routes=[
            # The reading pages first: routes are tried in order on every request, and the
            # lists are the most read. They own /, /starred, /prefs and /arxiv..., no other
            # module may route under /arxiv/.
            *pages.routes,
            # /search and /api/search next: exact paths, tried before some thirty others
            # (about 20 us of regular expressions a search).
            *search_pages.routes,
            *summary_api.routes,  # before api's /api/papers/{arxiv_id:path}
            *fulltext.routes,  # likewise
            *alerts.routes,
            *related.routes,  # likewise
            *popularity.routes,
            # /venue..., and /api/papers/<source>:<key> before api's routes, after the
            # /api/papers/<id>/summary (and related, fulltext) routes that a pmlr:v1/key matches
            *venues.routes,
            *api.routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *admin.routes,
            *demo_pages.routes,
            Route("/mcp", mcp_http.Endpoint(), name="mcp"),  # tools for agents (MCP)
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=settings.ALLOWED_HOSTS),
            Middleware(
                BodyLimitMiddleware,
                max_bytes=settings.MAX_BODY_KB * 1024,
                larger={"/api/foryou": related.MAX_BODY_BYTES},
            ),
            Middleware(PreferenceCookiesMiddleware),
        ],
        exception_handlers=errors.exception_handlers,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.jobs = jobs
    app.state.hooks = hooks
    app.state.alike = alike
    app.state.page_cache = PageCache() if page_cache is None else page_cache
    app.state.admin_tasks = set()  # jobs started from the admin page, until they end
    app.state.event_limiter = RateLimiter(
        popularity.EVENTS_PER_CLIENT, popularity.EVENTS_WINDOW, clock
    )
    app.state.admin_login_limiter = RateLimiter(
        settings.ADMIN_LOGIN_ATTEMPTS, settings.ADMIN_LOGIN_WINDOW, clock
    )
    return app

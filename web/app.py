"""The application factory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

import search
from crawler.ingest import on_papers_changed
from models.db import create_engine, session_factory
from models.settings import Settings, get_settings
from web import admin, api, demo_pages, fulltext, pages, summaries
from web import search as search_web
from web.i18n import PreferenceCookiesMiddleware
from web.security import SecurityHeadersMiddleware
from web.templating import STATIC_DIR


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    search.install(on_papers_changed)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings=settings)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = Starlette(
        routes=[
            # The reading pages first: routes are tried in order on every request, and the
            # lists are the most read. They own /, /starred, /prefs and /arxiv..., no other
            # module may route under /arxiv/.
            *pages.routes,
            *summaries.routes,  # before api's /api/papers/{arxiv_id:path}
            *fulltext.routes,  # likewise
            *api.routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *admin.routes,
            *search_web.routes,
            *demo_pages.routes,
        ],
        middleware=[Middleware(SecurityHeadersMiddleware), Middleware(PreferenceCookiesMiddleware)],
        exception_handlers=pages.exception_handlers,
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app

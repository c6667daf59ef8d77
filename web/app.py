"""The application factory.

The middleware, outermost first: the security headers (around Starlette's own error
handling, so that a 500 page has them too), the allowed hosts, the cap on request bodies,
the preference cookies.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

import search
from crawler.ingest import on_papers_changed
from models.db import create_engine, session_factory
from models.settings import Settings, get_settings
from web import admin, api, demo_pages, errors, fulltext, pages, related, summaries
from web import search as search_web
from web.i18n import PreferenceCookiesMiddleware
from web.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from web.templating import STATIC_DIR


class Site(Starlette):
    """Starlette with the security headers outside its error handling."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


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

    app = Site(
        routes=[
            # The reading pages first: routes are tried in order on every request, and the
            # lists are the most read. They own /, /starred, /prefs and /arxiv..., no other
            # module may route under /arxiv/.
            *pages.routes,
            *summaries.routes,  # before api's /api/papers/{arxiv_id:path}
            *fulltext.routes,  # likewise
            *related.routes,  # likewise
            *api.routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *admin.routes,
            *search_web.routes,
            *demo_pages.routes,
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
    return app

"""``/mcp`` of the site: the tools of ``web.mcp_server`` over streamable HTTP, started in the
background once the site is up.

Importing the MCP SDK (its protocol's pydantic models) takes about a third of the site's
start-up: the site answers its readers without waiting for it. A worker thread imports it
once the site has started, and a request to ``/mcp`` that comes before the server is ready
waits for it. Should the server fail to start, the site goes on and ``/mcp`` answers 503.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from web.errors import HTTPError

log = logging.getLogger(__name__)


class McpService:
    """The site's MCP server: ``run`` serves it (a task of the site's lifespan), ``app`` is
    its ASGI app once it is ready."""

    def __init__(self, module: str = "web.mcp_server") -> None:
        self.module = module  # where ``serving_http`` is
        self._app: ASGIApp | None = None
        self._settled = anyio.Event()

    async def run(
        self, sessions: async_sessionmaker[AsyncSession], summaries: Any, alike: Any
    ) -> None:
        """Import and start the server, then serve until cancelled."""
        try:
            server = await anyio.to_thread.run_sync(importlib.import_module, self.module)
            async with server.serving_http(sessions, summaries, alike) as app:
                self._app = app
                self._settled.set()
                await anyio.sleep_forever()
        except Exception:
            log.exception("the MCP server did not start: /mcp answers 503")
        finally:
            self._settled.set()

    async def settled(self) -> None:
        """Wait until the server is ready (or has failed to start)."""
        await self._settled.wait()

    async def app(self) -> ASGIApp:
        """The server's ASGI app, once it is ready."""
        await self._settled.wait()
        if self._app is None:
            raise HTTPError(503, "The tools for agents are not available.", page=False)
        return self._app


class Endpoint:
    """``/mcp`` in the site: the server its lifespan started (``app.state.mcp``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service: McpService = scope["app"].state.mcp
        await (await service.app())(scope, receive, send)

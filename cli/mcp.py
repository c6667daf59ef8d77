"""``coolpapers mcp``: the archive's tools for agents (Model Context Protocol) over stdio."""

from __future__ import annotations

import asyncio

import click

from cli.context import load_settings, services
from models.settings import Settings


@click.command("mcp")
def mcp() -> None:
    """Serve the archive's tools to an agent over stdio (MCP).

    The tools: search, a day's list, a paper, its stored summary, its related papers."""
    asyncio.run(_serve(load_settings()))


async def _serve(settings: Settings) -> None:
    from web.mcp_server import build_server
    from web.related import AlikeCache

    async with services(settings) as built:
        server = build_server(built.sessions, built.summaries(), AlikeCache.from_settings(settings))
        await server.run_stdio_async()

"""``coolpapers mcp``: the archive's tools for agents (Model Context Protocol) over stdio."""

from __future__ import annotations

import asyncio

import click

from cli.context import load_settings


@click.command("mcp")
def mcp() -> None:
    """Serve the archive's tools to an agent over stdio (MCP).

    The tools: search, a day's list, a paper, its stored summary, its related papers."""
    from web.mcp_server import run_stdio

    asyncio.run(run_stdio(load_settings()))

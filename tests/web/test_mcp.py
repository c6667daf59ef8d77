"""The tools for agents, called through the MCP SDK's own client: over stdio (``coolpapers
mcp`` in a subprocess) and over streamable HTTP (``/mcp`` of the site on uvicorn)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import anyio
import pytest
import uvicorn
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from models.settings import Settings
from tests.web.data import MATH_ID, fill_sync
from web.app import create_app
from web.mcp_http import McpService

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"search", "list_day", "get_paper", "get_summary", "related_papers"}


@pytest.fixture
def indexed_settings(settings: Settings) -> Settings:
    """The test papers, indexed for search as they are stored."""
    fill_sync(settings)
    return settings


def payload(result) -> dict:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def exercise(session: ClientSession) -> None:
    await session.initialize()
    listed = await session.list_tools()
    assert {tool.name for tool in listed.tools} == TOOLS

    paper = payload(await session.call_tool("get_paper", {"arxiv_id": MATH_ID}))
    assert paper["id"] == MATH_ID and paper["title"]

    word = paper["title"].split()[0]
    found = payload(await session.call_tool("search", {"query": word, "limit": 5}))
    assert found["total"] >= 1 and found["papers"]

    day = payload(await session.call_tool("list_day", {"categories": paper["primary_category"]}))
    assert day["day"] and any(p["id"] == MATH_ID for p in day["papers"])

    related = payload(await session.call_tool("related_papers", {"arxiv_id": MATH_ID}))
    assert related["id"] == MATH_ID and isinstance(related["related"], list)

    summary = payload(await session.call_tool("get_summary", {"arxiv_id": MATH_ID}))
    assert summary["id"] == MATH_ID

    unknown = await session.call_tool("get_paper", {"arxiv_id": "2401.99999"})
    assert unknown.is_error and "no paper 2401.99999" in unknown.content[0].text
    bad = await session.call_tool("list_day", {"categories": "not a category!"})
    assert bad.is_error


def test_the_tools_over_stdio(indexed_settings: Settings) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COOLPAPERS_DATABASE_URL": indexed_settings.DATABASE_URL,
    }
    command = "from cli.main import cli; cli()"
    parameters = StdioServerParameters(
        command=sys.executable, args=["-c", command, "mcp"], env=env, cwd=str(ROOT)
    )

    async def run() -> None:
        with anyio.fail_after(60):
            async with (
                stdio_client(parameters) as (read, write),
                ClientSession(read, write) as session,
            ):
                await exercise(session)

    anyio.run(run)


def test_the_tools_over_http(indexed_settings: Settings) -> None:
    config = uvicorn.Config(
        create_app(indexed_settings), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the site did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]

    async def run() -> None:
        with anyio.fail_after(60):
            url = f"http://127.0.0.1:{port}/mcp"
            async with (
                streamable_http_client(url) as (read, write),
                ClientSession(read, write) as session,
            ):
                await exercise(session)

    try:
        anyio.run(run)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_mcp_endpoint_answers_other_methods_without_a_500(client, method) -> None:
    response = client.request(method, "/mcp", headers={"Accept": "application/json"})
    assert response.status_code < 500


def test_mcp_answers_through_the_server_started_in_the_background(client) -> None:
    service = client.app.state.mcp
    response = client.post(
        "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 200, response.text
    assert {tool["name"] for tool in response.json()["result"]["tools"]} == TOOLS
    assert service._app is not None


def test_mcp_answers_503_when_its_server_did_not_start(client, caplog) -> None:
    failed = McpService("tests.web.no_such_module")
    client.portal.call(failed.run, None, None, None)
    assert "the MCP server did not start" in caplog.text
    client.app.state.mcp = failed
    response = client.post("/mcp", json={}, headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json()["error"] == "The tools for agents are not available."
    assert client.get("/").status_code == 200  # the site goes on

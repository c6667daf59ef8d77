"""The served site's start-up: not collected while it runs, then what it allocated is frozen
out of the collector's passes and the collector runs as usual."""

from __future__ import annotations

import asyncio
import gc

from starlette.testclient import TestClient

from cli.serve import freeze_after_startup, served_site, site, site_with_scheduler


def test_the_served_site_freezes_its_startup_objects_once_started(settings):
    gc.unfreeze()  # what a command run earlier in this process froze (cli.context)
    before = gc.get_freeze_count()
    app = freeze_after_startup(site(settings))
    assert gc.get_freeze_count() == before  # nothing happens until the server starts it
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > before + 10_000
            assert client.app.state.engine is not None  # the site's own start-up still ran
    finally:
        gc.unfreeze()


def test_what_the_mcp_server_brought_is_frozen_once_it_has_started(settings):
    app = freeze_after_startup(site(settings))
    try:
        with TestClient(app) as client:
            client.portal.call(app.state.mcp.settled)
            client.portal.call(asyncio.wait_for, app.state.mcp_freezing, 10)
            # The MCP server's app, made once the site had started (after start-up's freeze),
            # is out of the collector's generations: frozen. Whether the count of frozen
            # objects moved depends on what earlier tests of this process imported.
            started = app.state.mcp._app
            assert started is not None and gc.is_tracked(started)
            assert not any(o is started for o in gc.get_objects())
            assert client.post("/mcp", json={}).status_code != 503
    finally:
        gc.unfreeze()


def test_the_served_site_is_not_collected_until_it_has_started(settings):
    for factory in (served_site, site_with_scheduler):
        assert gc.isenabled()
        try:
            app = factory()
            assert not gc.isenabled()
            with TestClient(app):
                assert gc.isenabled()
                assert gc.get_freeze_count() > 10_000
                garbage: list[object] = []
                garbage.append(garbage)  # a cycle, freed by the collector again
                del garbage
                assert gc.collect() >= 1
        finally:
            gc.enable()
            gc.unfreeze()

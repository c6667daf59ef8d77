"""The served site's start-up: what it allocated is frozen out of the collector's passes."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient

from cli.serve import freeze_after_startup, site


def test_the_served_site_freezes_its_startup_objects_once_started(settings):
    before = gc.get_freeze_count()
    app = freeze_after_startup(site(settings))
    assert gc.get_freeze_count() == before  # nothing happens until the server starts it
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > before + 10_000
            assert client.app.state.engine is not None  # the site's own start-up still ran
    finally:
        gc.unfreeze()

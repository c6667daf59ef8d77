"""``serve --with-scheduler``: the scheduler starts and stops with the web process."""

from __future__ import annotations

import sqlite3
import time

from starlette.testclient import TestClient

from cli.serve import attach_scheduler, site


def scheduler_holders(path) -> list[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("select holder from leases where name = 'scheduler'")
        return [r[0] for r in rows]


def test_the_web_process_runs_the_scheduler_while_it_serves(settings, database_path) -> None:
    configured = settings.model_copy(
        update={"SCHEDULE_RSS": "off", "SCHEDULE_OAI": "off", "SCHEDULE_INDEX_CHECK": "off"}
    )
    app = attach_scheduler(site(configured), configured)
    with TestClient(app) as client:
        assert client.get("/").status_code == 200
        deadline = time.monotonic() + 10
        while not scheduler_holders(database_path):
            assert time.monotonic() < deadline, "the scheduler did not take the lease"
            time.sleep(0.05)
        assert app.state.scheduler.leading
    # Shut down with the site: the lease is given back.
    assert scheduler_holders(database_path) == []

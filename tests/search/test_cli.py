"""``coolpapers index rebuild`` and ``check``."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from cli.index import index


def test_rebuild_then_check(sample_settings) -> None:
    path = sample_settings.DATABASE_URL.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM search_docs")
        connection.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
    runner = CliRunner()
    failing = runner.invoke(index, ["check", "--json"])
    assert failing.exit_code == 1
    report = json.loads(failing.stdout)
    assert "index rebuild" in failing.stderr
    assert report["ok"] is False and report["unindexed"] == report["papers"] > 0

    rebuilt = runner.invoke(index, ["rebuild", "--batch-size", "50"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"indexed {report['papers']} papers" in rebuilt.output

    passing = runner.invoke(index, ["check", "--all", "--json"])
    assert passing.exit_code == 0, passing.output
    report = json.loads(passing.stdout)
    assert report["ok"] is True and report["compared"] == report["papers"]

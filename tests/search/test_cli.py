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
        connection.execute("DELETE FROM search_postings")
        connection.execute("DELETE FROM search_segments")
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


def test_upgrading_the_database_fills_an_empty_index(sample_settings) -> None:
    from cli.db import db

    path = sample_settings.DATABASE_URL.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        for table in ("search_docs", "search_postings", "search_segments"):
            connection.execute(f"DELETE FROM {table}")
        papers = connection.execute("SELECT count(*) FROM papers").fetchone()[0]
    result = CliRunner().invoke(db, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert f"search index built: {papers} papers" in result.output
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM search_docs").fetchone()[0] == papers
    again = CliRunner().invoke(db, ["upgrade"])
    assert "search index built" not in again.output

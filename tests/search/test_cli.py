"""``coolpapers index rebuild`` and ``check``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.index import index
from tests.pg.databases import query


def test_rebuild_then_check(sample_settings) -> None:
    url = sample_settings.DATABASE_URL
    for table in ("search_docs", "search_postings", "search_segments"):
        query(url, f"DELETE FROM {table}")
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

    url = sample_settings.DATABASE_URL
    for table in ("search_docs", "search_postings", "search_segments"):
        query(url, f"DELETE FROM {table}")
    papers = query(url, "SELECT count(*) FROM papers")[0][0]
    result = CliRunner().invoke(db, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert f"search index built: {papers} papers" in result.output
    assert query(url, "SELECT count(*) FROM search_docs")[0][0] == papers
    again = CliRunner().invoke(db, ["upgrade"])
    assert "search index built" not in again.output

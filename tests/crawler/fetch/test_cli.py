"""``coolpapers crawl`` against the fake arXiv: what each command prints, and errors as
one line."""

from __future__ import annotations

import sys

import pytest

from cli.main import main
from tests.fakearxiv import LAYA_QUERY, FakeArxiv
from tests.fakearxiv.state import count, crawl_runs


@pytest.fixture
def arxiv(settings, monkeypatch):
    with FakeArxiv() as server:
        server.oai_page_size = 400
        monkeypatch.setenv("COOLPAPERS_ARXIV_RSS_BASE", server.url)
        monkeypatch.setenv("COOLPAPERS_ARXIV_API_BASE", server.url + "/api")
        monkeypatch.setenv("COOLPAPERS_ARXIV_OAI_BASE", server.url + "/oai")
        monkeypatch.setenv("COOLPAPERS_MIN_REQUEST_INTERVAL", "0")
        monkeypatch.setenv("COOLPAPERS_CATEGORIES", LAYA_QUERY.replace("+", ","))
        yield server


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
        sys.exit(0)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def test_rss_crawls_the_configured_categories_in_one_request(arxiv, capsys, database_path):
    code, out, err = run_main(["crawl", "rss"], capsys)
    assert code == 0, err
    assert out.startswith(f"rss {LAYA_QUERY}: 4 papers (4 new, 0 updated, 0 unchanged), 6 new ")
    assert [r.path for r in arxiv.seen()] == [f"/rss/{LAYA_QUERY}"]
    code, out, _ = run_main(["crawl", "rss"], capsys)
    assert "unchanged since the last crawl" in out
    code, out, _ = run_main(["crawl", "rss", "--force"], capsys)
    assert "4 papers (0 new, 0 updated, 4 unchanged)" in out
    assert count(database_path, "papers") == 4


def test_an_error_feed_is_one_line_naming_the_run(arxiv, capsys, database_path):
    code, _, err = run_main(["crawl", "rss", "astroph"], capsys)
    assert code == 1
    [line] = err.strip().splitlines()
    assert "Bad archive 'astroph'" in line
    assert line.endswith("(crawl run 1)")
    assert crawl_runs(database_path)[0]["status"] == "failed"


def test_api_search(arxiv, capsys):
    code, out, err = run_main(["crawl", "api", "--query", "testing", "--max", "30"], capsys)
    assert code == 0, err
    assert out.startswith("api 'testing': 30 papers of 100 results (30 new,")


def test_papers_by_id(arxiv, capsys):
    code, out, err = run_main(
        ["crawl", "paper", "1605.08386", "quant-ph/0201082v1", "0808.05394"], capsys
    )
    assert code == 0, err
    assert out.startswith("papers: 2 fetched (2 new, 0 updated, 0 unchanged, 1 failed)")
    assert "not found: 0808.05394" in out


def test_a_malformed_id_is_a_usage_error_before_any_request(arxiv, capsys):
    code, _, err = run_main(["crawl", "paper", "1605.08386", "abc"], capsys)
    assert code == 2
    assert "not an arXiv identifier: 'abc'" in err
    assert arxiv.seen() == []


def test_oai_harvest_and_resume_of_nothing(arxiv, capsys, database_path):
    code, out, err = run_main(["crawl", "oai", "--set", "physics", "--from", "2008-01-01"], capsys)
    assert code == 0, err
    assert out.startswith("oai physics: ")
    assert "in 2 pages" in out
    code, out, err = run_main(
        ["crawl", "oai", "--set", "physics", "--from", "2008-01-01", "--resume"], capsys
    )
    assert code == 0, err
    assert "resumed" not in out
    assert "0 new" in out
    assert [r["status"] for r in crawl_runs(database_path)] == ["succeeded", "succeeded"]


def test_a_bad_date_is_a_usage_error(arxiv, capsys):
    code, _, err = run_main(["crawl", "oai", "--from", "yesterday"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1

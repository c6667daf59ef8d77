"""``coolpapers db copy``: an installation moved from SQLite to PostgreSQL and back, resumed
after an interruption, its sequences set past the copied ids."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from models.db import create_engine
from models.settings import Settings
from models.transfer import copy_database, tables
from tests.pg import databases

ARXIV = Path(__file__).parent.parent / "fixtures" / "arxiv"
FEEDS = [ARXIV / "rss" / "laya-reader_arxiv_rss.xml", ARXIV / "oai" / "agentgraph_arxiv_oai.xml"]

pytestmark = pytest.mark.postgresql_only


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
        sys.exit(0)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


@pytest.fixture
def empty_postgresql(db_backend: str) -> Iterator[str]:
    """A PostgreSQL database with no schema at all (the copy migrates it)."""
    server = databases.server_url()
    assert server
    name = databases.new_name("copy")
    yield databases.create(server, name)
    databases.drop(server, name)


def use(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", url)


def stats(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, err = run_main(["stats", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    data["search_index"].pop("bytes")  # pages and blobs are sized differently per backend
    return data


def test_an_installation_moves_to_postgresql_and_back(
    sqlite_database: Path, empty_postgresql: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    source = f"sqlite+aiosqlite:///{sqlite_database}"
    use(source, monkeypatch)
    for feed in FEEDS:
        code, _, err = run_main(["import", str(feed)], capsys)
        assert code == 0, err
    before = stats(capsys)
    assert before["papers"] > 4

    code, out, err = run_main(["db", "copy", "--to", empty_postgresql, "--batch", "3"], capsys)
    assert code == 0, err
    assert "tables match" in out
    use(empty_postgresql, monkeypatch)
    assert stats(capsys) == before

    # The ids go on after the copied ones: a new crawl run on PostgreSQL gets a fresh id.
    code, _, err = run_main(["import", str(FEEDS[0])], capsys)
    assert code == 0, err
    runs = [run["id"] for run in stats(capsys)["crawl_runs"]]
    assert runs[0] == max(run["id"] for run in before["crawl_runs"]) + 1

    back = f"sqlite+aiosqlite:///{tmp_path / 'back.db'}"
    code, out, err = run_main(["db", "copy", "--to", back], capsys)
    assert code == 0, err
    after_on_postgresql = stats(capsys)
    use(back, monkeypatch)
    assert stats(capsys) == after_on_postgresql


def test_an_interrupted_copy_resumes_without_duplicates(
    sqlite_database: Path, empty_postgresql: str, monkeypatch, capsys
) -> None:
    source_url = f"sqlite+aiosqlite:///{sqlite_database}"
    use(source_url, monkeypatch)
    for feed in FEEDS:
        assert run_main(["import", str(feed)], capsys)[0] == 0
    from cli.db import upgrade_database

    upgrade_database(empty_postgresql)
    settings = Settings(DATABASE_URL=source_url)

    class Interrupted(Exception):
        pass

    def stop_in_papers(table: str, done: int, total: int) -> None:
        if table == "paper_authors" and 0 < done < total:
            raise Interrupted

    async def copy(progress) -> dict[str, tuple[int, int]]:
        source = create_engine(source_url, settings=settings)
        target = create_engine(empty_postgresql, settings=settings)
        try:
            report = await copy_database(source, target, batch=5, progress=progress)
            return {c.table: (c.source, c.target) for c in report.counts}
        finally:
            await source.dispose()
            await target.dispose()

    with pytest.raises(Interrupted):
        asyncio.run(copy(stop_in_papers))
    counts = asyncio.run(copy(lambda table, done, total: None))
    assert all(source == target for source, target in counts.values()), counts
    assert counts["paper_authors"][0] > 5
    assert set(counts) == {table.name for table in tables()}


def test_copying_into_itself_is_refused(sqlite_database: Path, monkeypatch, capsys) -> None:
    url = f"sqlite+aiosqlite:///{sqlite_database}"
    use(url, monkeypatch)
    code, _, err = run_main(["db", "copy", "--to", url], capsys)
    assert code == 1
    assert "another" in err

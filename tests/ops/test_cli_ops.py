"""The admin commands: backup (online, consistent), export, paper, jobs, stats, db current."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.backup import backup_database
from cli.main import main
from tests.fakearxiv import LAYA_QUERY
from tests.ops.arxiv import CalendarArxiv
from tests.ops.test_schedule_process import WallClock
from tests.ops.test_week_fakearxiv import CALENDAR
from tests.pg.databases import query

ARXIV = Path(__file__).parent.parent / "fixtures" / "arxiv"
FEED = ARXIV / "rss" / "laya-reader_arxiv_rss.xml"
API_PAGE = ARXIV / "atom-api" / "q_testing_s0_m10_bc5a6c384fe9.xml"


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
        sys.exit(0)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


@pytest.fixture
def imported(settings, capsys):
    code, _, err = run_main(["import", str(FEED)], capsys)
    assert code == 0, err
    return settings


def seed(path: Path, papers: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("insert into categories (code) values ('cs.CL')")
        connection.executemany(
            "insert into papers (id, version, title, abstract, withdrawn, hidden, created_at,"
            " modified_at) values (?, 1, ?, ?, 0, 0, '2026-01-01', '2026-01-01')",
            ((f"seed.{i:06d}", f"Seed {i}", "x" * 1500) for i in range(papers)),
        )
        connection.executemany(
            "insert into paper_categories (paper_id, category, position, is_primary)"
            " values (?, 'cs.CL', 0, 1)",
            ((f"seed.{i:06d}",) for i in range(papers)),
        )


async def test_backup_is_consistent_while_the_site_writes(sessions, database_path, tmp_path):
    from sqlalchemy import text

    seed(database_path, 20_000)
    commits: list[float] = []
    stop = asyncio.Event()

    async def writer() -> None:
        n = 0
        while not stop.is_set():
            async with sessions.begin() as session:  # a paper and its category, together
                await session.execute(
                    text(
                        "insert into papers (id, version, title, abstract, withdrawn, hidden,"
                        " created_at, modified_at) values (:id, 1, :t, '', 0, 0, '2026-01-01',"
                        " '2026-01-01')"
                    ),
                    {"id": f"live.{n:06d}", "t": f"Live {n}"},
                )
                await session.execute(
                    text(
                        "insert into paper_categories (paper_id, category, position,"
                        " is_primary) values (:id, 'cs.CL', 0, 1)"
                    ),
                    {"id": f"live.{n:06d}"},
                )
            commits.append(time.monotonic())
            n += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    while len(commits) < 5:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    target = tmp_path / "backup.db"
    result = await backup_database(database_path, target)
    finished = time.monotonic()
    while not any(c > finished for c in commits):
        await asyncio.sleep(0.01)
    stop.set()
    await task

    assert any(started <= c <= finished for c in commits), "no write during the backup"
    assert result.bytes == target.stat().st_size
    with sqlite3.connect(target) as copy, sqlite3.connect(database_path) as source:
        assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
        assert copy.execute("pragma journal_mode").fetchone() == ("delete",)
        copied = copy.execute("select id, title from papers order by id").fetchall()
        live = [row for row in copied if row[0].startswith("live.")]
        total = source.execute("select count(*) from papers").fetchone()[0]
        # A snapshot: a prefix of the writes, each with its category, identical to the source.
        assert 5 <= len(live) < total - 20_000
        assert [r[0] for r in live] == [f"live.{n:06d}" for n in range(len(live))]
        orphans = copy.execute(
            "select count(*) from papers where id not in (select paper_id from paper_categories)"
        ).fetchone()[0]
        assert orphans == 0
        ids = [r[0] for r in copied]
        marks = ",".join("?" * len(live))
        same = source.execute(
            f"select id, title from papers where id in ({marks}) order by id",
            [r[0] for r in live],
        ).fetchall()
        assert same == live
        assert len(ids) == 20_000 + len(live)


def test_backup_command(imported, db_backend, tmp_path, capsys) -> None:
    target = tmp_path / "copy.db"
    code, out, err = run_main(["backup", str(target), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["bytes"] == target.stat().st_size
    if db_backend == "postgresql":  # pg_dump's archive: restored as SQL, it holds the 4 papers
        script = subprocess.run(
            ["pg_restore", "--data-only", "--table=papers", "--file=-", str(target)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        copied = script.split("COPY public.papers ")[1].split("\\.")[0]
        assert len(copied.strip().splitlines()) == 1 + 4
    else:
        with sqlite3.connect(target) as copy:
            assert copy.execute("select count(*) from papers").fetchone() == (4,)
    code, _, err = run_main(["backup", str(target)], capsys)
    assert code == 1 and "--force" in err
    code, out, _ = run_main(["backup", str(target), "--force"], capsys)
    assert code == 0 and "backed up" in out
    code, _, err = run_main(["backup", str(tmp_path / "nowhere" / "x.db")], capsys)
    assert code == 1 and "no such directory" in err


def test_export_jsonl_and_csv_with_filters(imported, tmp_path, capsys) -> None:
    code, out, err = run_main(["export"], capsys)
    assert code == 0 and "exported 4 papers" in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert {"id", "title", "authors", "categories", "abstract", "url"} <= set(rows[0])
    code, out, _ = run_main(["export", "--category", "stat.ML", "--format", "csv"], capsys)
    table = list(csv.DictReader(io.StringIO(out)))
    assert {r["id"] for r in table} == {"2205.06398", "2009.13987"}
    code, out, _ = run_main(["export", "-c", "cs"], capsys)  # the archive
    assert {json.loads(line)["id"] for line in out.splitlines()} == {
        "2609.26811",
        "2609.26820",
        "2009.13987",
    }
    # API entries carry publication dates (feed items do not).
    assert run_main(["import", str(API_PAGE)], capsys)[0] == 0
    rows = [json.loads(line) for line in run_main(["export"], capsys)[1].splitlines()]
    days = sorted(r["published"][:10] for r in rows if r["published"])
    assert len(days) == 10
    middle = days[5]
    code, out, _ = run_main(["export", "--from", middle, "--until", middle], capsys)
    assert sorted(json.loads(x)["id"] for x in out.splitlines()) == sorted(
        r["id"] for r in rows if r["published"] and r["published"].startswith(middle)
    )
    code, out, _ = run_main(["export", "--from", middle], capsys)
    assert len(out.splitlines()) == sum(1 for d in days if d >= middle)
    target = tmp_path / "papers.jsonl"
    code, _, err = run_main(["export", "-o", str(target)], capsys)
    assert code == 0 and len(target.read_text().splitlines()) == 14
    code, _, err = run_main(["export", "--from", "2026-02-01", "--until", "2026-01-01"], capsys)
    assert code == 1 and "--from is after --until" in err


def test_paper_show_hide_delete(imported, capsys) -> None:
    code, out, _ = run_main(["paper", "show", "arXiv:2609.26820v1", "--json"], capsys)
    shown = json.loads(out)
    assert shown["id"] == "2609.26820" and shown["hidden"] is False
    assert {a["category"] for a in shown["announcements"]} == {"cs.LG", "cs.AI"}
    code, out, _ = run_main(["paper", "show", "2609.26820"], capsys)
    assert code == 0 and "2609.26820" in out

    assert run_main(["paper", "hide", "2609.26820"], capsys)[0] == 0
    code, out, _ = run_main(["export"], capsys)
    assert "2609.26820" not in out
    code, out, _ = run_main(["export", "--include-hidden"], capsys)
    assert "2609.26820" in out
    assert run_main(["paper", "hide", "2609.26820", "--undo"], capsys)[0] == 0
    assert "2609.26820" in run_main(["export"], capsys)[1]

    code, out, err = run_main(["paper", "delete", "2609.26820", "--yes", "--json"], capsys)
    assert code == 0 and json.loads(out) == {"id": "2609.26820", "deleted": True}
    code, _, err = run_main(["paper", "show", "2609.26820"], capsys)
    assert code == 1 and "no paper 2609.26820" in err
    code, _, err = run_main(["paper", "delete", "2609.26820", "--yes"], capsys)
    assert code == 1
    code, _, err = run_main(["paper", "hide", "not-an-id"], capsys)
    assert code == 1 and "not an arXiv identifier" in err


def test_jobs_list_and_run_by_hand(settings, monkeypatch, capsys) -> None:
    with CalendarArxiv(WallClock(), CALENDAR) as arxiv:
        for name, value in {
            "ARXIV_RSS_BASE": arxiv.url,
            "ARXIV_API_BASE": arxiv.url + "/api",
            "ARXIV_OAI_BASE": arxiv.url + "/oai",
            "CATEGORIES": LAYA_QUERY.replace("+", ","),
            "MIN_REQUEST_INTERVAL": "0",
            "SCHEDULE_INDEX_CHECK": "off",
        }.items():
            monkeypatch.setenv(f"COOLPAPERS_{name}", value)
        code, out, _ = run_main(["jobs", "--json"], capsys)
        listed = json.loads(out)
        assert [j["name"] for j in listed["jobs"]] == [
            "crawl-rss",
            "catch-up-oai",
            "reconcile",
            "summaries",
        ]
        assert listed["scheduler"] is None
        assert listed["jobs"][0]["next_run"] and listed["jobs"][0]["last_run"] is None
        code, out, err = run_main(["jobs", "run", "crawl-rss", "--no-followers", "--json"], capsys)
        assert code == 0, err
        record = json.loads(out)[0]
        assert record["status"] == "succeeded" and record["trigger"] == "manual"
        code, out, _ = run_main(["jobs"], capsys)
        assert code == 0 and "jobs (no scheduler running)" in out and "crawl-rss" in out
        code, out, _ = run_main(["jobs", "list", "--json"], capsys)
        last = json.loads(out)["jobs"][0]["last_run"]
        assert last["status"] == "succeeded" and last["trigger"] == "manual"
        code, _, err = run_main(["jobs", "run", "frobnicate"], capsys)
        assert code == 1 and "no job named 'frobnicate'" in err
        code, out, _ = run_main(["stats", "--json"], capsys)
    stats = json.loads(out)
    assert stats["papers"] == 4
    assert {"papers_by_day", "summaries", "search_index", "crawl_runs", "job_runs", "gaps"} <= set(
        stats
    )
    assert stats["job_runs"][0]["job"] == "crawl-rss"
    assert sum(d["papers"] for d in stats["papers_by_day"]) == 6
    assert stats["gaps"] == []


def test_stats_show_recorded_gaps(imported, capsys) -> None:
    gaps = json.dumps(
        {
            "day": "2026-09-24",
            "categories": {"cs.LG": {"announced": 3, "stored": 2, "missing": ["2609.26811"]}},
            "refetched": 0,
            "still_missing": ["2609.26811"],
        }
    )
    query(imported.DATABASE_URL, f"update crawl_runs set gaps = '{gaps}' where id = 1")
    code, out, _ = run_main(["stats", "--json"], capsys)
    assert json.loads(out)["gaps"] == [
        {
            "crawl_run_id": 1,
            "day": "2026-09-24",
            "category": "cs.LG",
            "announced": 3,
            "stored": 2,
            "missing": 1,
            "still_missing": 1,
        }
    ]
    code, out, _ = run_main(["stats"], capsys)
    assert code == 0 and "coverage gaps" in out and "cs.LG" in out


def test_db_current(settings, capsys) -> None:
    code, out, _ = run_main(["db", "current", "--json"], capsys)
    state = json.loads(out)
    assert code == 0 and state["up_to_date"] is True and state["current"] == state["head"]
    assert run_main(["db", "downgrade", "0002"], capsys)[0] == 0
    code, out, _ = run_main(["db", "current"], capsys)
    assert "0002" in out and "coolpapers db upgrade" in out
    assert run_main(["db", "upgrade"], capsys)[0] == 0

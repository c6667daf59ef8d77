"""The coolpapers command: help on every level, one-line errors, import and stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cli.main import COMMANDS, cli, main

ARXIV = Path(__file__).parent.parent / "fixtures" / "arxiv"


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
        sys.exit(0)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def all_command_paths(group=cli, prefix=()) -> list[tuple[str, ...]]:
    paths = [prefix]
    if isinstance(group, click.Group):
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            paths.extend(all_command_paths(command, (*prefix, name)))
    return paths


@pytest.mark.parametrize("path", all_command_paths(), ids=lambda p: " ".join(p) or "coolpapers")
def test_every_command_explains_itself(path, capsys) -> None:
    code, out, _ = run_main([*path, "--help"], capsys)
    assert code == 0
    assert out.startswith("Usage: coolpapers")
    assert len(out.splitlines()) >= 3


@pytest.mark.parametrize(
    "argv",
    [["frobnicate"], ["import", "--bogus", "x"], ["serve", "--port", "seventy"], ["db"]],
)
def test_unknown_arguments_give_one_line_on_stderr(argv, capsys) -> None:
    code, _, err = run_main(argv, capsys)
    if argv == ["db"]:  # a group without a sub-command prints its help, as click does
        assert code in (0, 2)
        return
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_import_then_stats(settings, capsys) -> None:
    feed = ARXIV / "rss" / "laya-reader_arxiv_rss.xml"
    code, out, err = run_main(["import", str(feed)], capsys)
    assert code == 0, err
    assert "4 new" in out
    code, out, _ = run_main(["stats", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["papers"] == 4
    assert data["authors"] > 4
    assert data["last_crawl"]["source"] == "import"
    assert data["last_crawl"]["new"] == 4


def test_bad_file_is_one_line_and_writes_nothing(settings, tmp_path, capsys) -> None:
    good = (ARXIV / "rss" / "laya-reader_arxiv_rss.xml").read_bytes()
    truncated = tmp_path / "truncated.xml"
    truncated.write_bytes(good[: len(good) // 2])
    code, _, err = run_main(["import", str(truncated)], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "truncated.xml" in err
    code, out, _ = run_main(["stats", "--json"], capsys)
    data = json.loads(out)
    assert data["papers"] == 0
    assert data["last_crawl"]["status"] == "failed"


def test_missing_file_is_one_line(settings, capsys) -> None:
    code, _, err = run_main(["import", "/nonexistent/feed.xml"], capsys)
    assert code == 1
    assert err.strip() == "coolpapers: error: /nonexistent/feed.xml: no such file"


def test_database_without_schema_says_what_to_do(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    code, _, err = run_main(["stats"], capsys)
    assert code == 1
    assert "coolpapers db upgrade" in err


def test_invalid_settings_are_one_line(monkeypatch, capsys) -> None:
    monkeypatch.setenv("COOLPAPERS_MIN_REQUEST_INTERVAL", "soon")
    code, _, err = run_main(["stats"], capsys)
    assert code == 1
    assert "COOLPAPERS_MIN_REQUEST_INTERVAL" in err
    assert len(err.strip().splitlines()) == 1


def test_installed_command_upgrades_loads_the_sample_and_reports(tmp_path) -> None:
    env = {**os.environ, "COOLPAPERS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db"}
    command = Path(sys.executable).parent / "coolpapers"

    def coolpapers(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(command), *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert coolpapers("db", "upgrade").returncode == 0
    loaded = coolpapers("sample", "load", "--if-empty")
    assert loaded.returncode == 0, loaded.stderr
    again = coolpapers("sample", "load", "--if-empty")
    assert "already holds papers" in again.stdout
    stats = json.loads(coolpapers("stats", "--json").stdout)
    assert stats["papers"] >= 250


def test_the_top_help_names_each_command_as_its_own_help_does() -> None:
    context = click.Context(cli)
    for name, (_, summary) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None
        assert summary == command.get_short_help_str(limit=300), name


def test_the_top_help_imports_no_command() -> None:
    code = (
        "import sys\n"
        "from cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'search', 'web', 'starlette') if m in sys.modules]\n"
        "print('imported:', ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Commands:" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "imported:"


# scipy (about a second of start-up) is for the demos, loaded by the first demo request; the
# MCP SDK (a third of start-up) is imported in the background once the site is up.
@pytest.mark.parametrize("modules", [("scipy",), ("mcp", "web.mcp_server")])
def test_the_served_site_is_built_without(modules: tuple[str, ...]) -> None:
    code = (
        "import sys\n"
        "from cli.serve import served_site\n"
        "served_site()\n"
        f"print([m for m in {modules!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"

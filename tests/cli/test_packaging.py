"""A plain (non-editable) install of coolpapers migrates a database without the source tree."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["setup.py", "pyproject.toml", "README.md", "alembic"]


def _copy_sources(target: Path) -> None:
    """The files a wheel is built from, without build products or the tests."""
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.c", "build", "*.egg-info")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    for package in ROOT.iterdir():
        if (package / "__init__.py").is_file() and package.name not in ("tests", "benchmarks"):
            shutil.copytree(package, target / package.name, ignore=ignore)


@pytest.mark.slow
def test_a_wheel_carries_the_migrations(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    _copy_sources(source)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("coolpapers-*.whl")
    installed = tmp_path / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(installed),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert not (installed / "alembic").exists()
    assert (installed / "coolpapers_migrations" / "versions").is_dir()

    database = tmp_path / "site.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(installed),
        "COOLPAPERS_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main(['db', 'upgrade'])"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "database at head" in result.stdout
    # The code that ran is the installed copy, not the source tree.
    probe = subprocess.run(
        [sys.executable, "-c", "import cli.db; print(cli.db.migrations_dir())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(installed))
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"papers", "summaries", "alembic_version"} <= tables

"""A command's process: once set up, its start-up objects are frozen out of the collector's
passes; a bulk command (an import, a crawl, an index rebuild) collects less often while it
works, and leaves the collector as it found it (in a child process: the collector is the
process's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, gc, sys
from cli.context import BULK_GC_THRESHOLDS, services
from models.settings import Settings

async def main():
    settings = Settings(DATABASE_URL=sys.argv[1])
    default = gc.get_threshold()
    print(default != BULK_GC_THRESHOLDS, gc.get_freeze_count() == 0)
    async with services(settings):
        print(gc.get_threshold() == default, gc.get_freeze_count() > 50_000)
    async with services(settings, bulk=True):
        print(gc.get_threshold() == BULK_GC_THRESHOLDS)
    print(gc.get_threshold() == default)

asyncio.run(main())
"""


def test_a_command_freezes_its_start_up_and_a_bulk_one_collects_less_often(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'papers.db'}"
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT, url], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert output == ["True"] * 6

"""A command's process: once set up, its start-up objects are frozen out of the collector's
passes and the collector runs less often (in a child process: the setting is the process's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, gc, sys
from cli.context import COMMAND_GC_THRESHOLDS, services
from models.settings import Settings

async def main():
    before = (gc.get_threshold(), gc.get_freeze_count())
    async with services(Settings(DATABASE_URL=sys.argv[1])):
        during = (gc.get_threshold(), gc.get_freeze_count())
    print(before[0] != COMMAND_GC_THRESHOLDS, before[1] == 0)
    print(during[0] == COMMAND_GC_THRESHOLDS, during[1] > 50_000)

asyncio.run(main())
"""


def test_a_command_freezes_its_start_up_and_collects_less_often(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'papers.db'}"
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT, url], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert output == ["True"] * 4

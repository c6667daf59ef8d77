"""tests/pg/cluster.sh: a cluster for the command's run, removed afterwards, also on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("cluster.sh")

PROBE = (
    "import os, sys, psycopg; from sqlalchemy.engine import make_url; "
    'u = make_url(os.environ["COOLPAPERS_TEST_POSTGRES_URL"]); '
    "c = psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database); "
    'print(c.execute("select 6 * 7").fetchone()[0]); '
    'print(os.path.dirname(os.environ["COOLPAPERS_TEST_POSTGRES_LOG"])); sys.exit(3)'
)


def test_the_cluster_answers_and_is_removed_when_the_command_fails() -> None:
    environment = dict(os.environ)
    environment.pop("COOLPAPERS_TEST_POSTGRES_URL", None)
    done = subprocess.run(
        [str(SCRIPT), sys.executable, "-c", PROBE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    answer, directory = done.stdout.split()
    assert answer == "42"
    assert Path(directory).name.startswith("coolpapers-pg.")
    assert not Path(directory).exists()  # stopped, and its directory gone


def test_without_a_command_it_says_how_to_use_it() -> None:
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 2 and "usage" in done.stderr

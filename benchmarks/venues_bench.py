"""``coolpapers import`` of a whole ACL Anthology volume file (about 1,000 papers).

The 30 real papers of ``tests/fixtures/venues/acl/2024.acl.first30.xml`` are replicated
under new paper ids (and a number added to each title, so that each is its own paper) into
one volume of ``--papers`` papers; the file is imported by ``coolpapers import`` in a
subprocess into a fresh migrated database, timed from start to exit (Python start-up
included). The goal: under 10 s.

    .venv/bin/python -m benchmarks.venues_bench [--papers 1000]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "venues" / "acl" / "2024.acl.first30.xml"
GOAL_SECONDS = 10.0


def volume(papers: int) -> bytes:
    text = FIXTURE.read_text(encoding="utf-8")
    head, _, rest = text.partition("    <paper ")
    body = "    <paper " + rest[: rest.rindex("</paper>") + len("</paper>")] + "\n"
    blocks = re.findall(r"    <paper id=\"\d+\">.*?</paper>\n", body, flags=re.S)
    out = []
    for n in range(papers):
        block = blocks[n % len(blocks)]
        block = re.sub(r'<paper id="\d+">', f'<paper id="{n + 1}">', block)
        block = re.sub(
            r"<url hash=\"\w+\">2024\.acl-long\.\d+</url>",
            f"<url>2024.acl-long.{n + 1}</url>",
            block,
        )
        block = block.replace("</title>", f" ({n + 1})</title>", 1)
        out.append(block)
    return (head + "".join(out) + "  </volume>\n</collection>\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "2024.acl.xml"
        source.write_bytes(volume(args.papers))
        env = {
            **os.environ,
            "COOLPAPERS_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/b.db",
            "PYTHONPATH": str(ROOT),
        }
        command = [sys.executable, "-c", "from cli.main import main; main()"]
        subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "import", str(source)], env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
    print(done.stdout.strip().splitlines()[-1] if done.stdout else done.stderr[-2000:])
    verdict = "under" if seconds < GOAL_SECONDS else "OVER"
    print(
        f"import of {args.papers} papers: {seconds:.2f} s ({verdict} the {GOAL_SECONDS:g} s goal)"
    )
    sys.exit(done.returncode or (seconds >= GOAL_SECONDS))


if __name__ == "__main__":
    main()

"""Run every benchmark: ``python -m benchmarks`` runs each ``benchmarks/*_bench.py`` in turn,
as ``python -m benchmarks.<name>``, and stops with the first failure's status.

``python -m benchmarks ingest search`` runs only those whose names start so; ``--quick`` runs
each at a size small enough for a quick look (a few minutes in all; its figures are for
checking that everything runs, not for the README).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {
    "fulltext_bench": ["--repeat", "1"],
    "ingest_bench": ["--papers", "5000"],
    "mixed_bench": ["--duration", "5"],
    "paper_bench": ["--repeats", "50", "--starts", "1"],
    "search_bench": ["--sizes", "10000", "--skip", "unicode61"],
    "serve_bench": ["--papers", "5000", "--rounds", "1"],
    "session_bench": ["--sessions", "500", "--rounds", "2"],
    "tex_bench": ["--rounds", "2"],
    "tokenizer_bench": ["--repeats", "2", "--skip-pure-training"],
    "web_bench": ["--duration", "5", "--uncached-duration", "3"],
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    prefixes = [a for a in argv if a != "--quick"]
    names = sorted(p.stem for p in HERE.glob("*_bench.py"))
    if prefixes:
        names = [n for n in names if any(n.startswith(prefix) for prefix in prefixes)]
    for name in names:
        options = QUICK.get(name, []) if quick else []
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"== {name} {' '.join(options)} (load average {load})", flush=True)
        started = time.monotonic()
        command = [sys.executable, "-m", f"benchmarks.{name}", *options]
        status = subprocess.call(command, cwd=HERE.parent)
        print(f"== {name}: exit {status} after {time.monotonic() - started:.0f} s", flush=True)
        if status != 0:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

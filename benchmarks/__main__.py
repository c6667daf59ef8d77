"""Run every benchmark: ``python -m benchmarks`` runs each ``benchmarks/*_bench.py`` in turn,
as ``python -m benchmarks.<name>``, and stops with the first failure's status.

``python -m benchmarks ingest search`` runs only those whose names start so.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in HERE.glob("*_bench.py"))
    if argv:
        names = [n for n in names if any(n.startswith(prefix) for prefix in argv)]
    for name in names:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        status = subprocess.call([sys.executable, "-m", f"benchmarks.{name}"], cwd=HERE.parent)
        print(f"== {name}: exit {status} after {time.monotonic() - started:.0f} s", flush=True)
        if status != 0:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

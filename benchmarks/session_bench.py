"""What a request's database session costs on SQLite around its reads, on the 1,000-paper
archive of ``benchmarks.mixed_bench``.

    .venv/bin/python -m benchmarks.session_bench [--sessions 2000] [--rounds 6]

Each kind opens and ends ``--sessions`` sessions as the site's requests do, in rounds that
take the kinds in turn (the order reversed every other round), and reports the median over
the rounds of the time per session, wall and CPU (the process's, all threads):

- a session that does nothing (a request that turned out not to read);
- a session (``session_factory``) that makes three plain reads (``models.plain``, a paper's
  row by its id each) on its own connection, as the site's pages read;
- a reading session (``models.db.reading``) that makes the same three reads on the connection
  lent to it, as the searches, lists and paper pages now read;
- the baseline: the same three reads on a sqlite3 connection that the benchmark holds open,
  no session at all.

The load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.mixed_bench import build_database  # noqa: E402

READ = "SELECT id, version, title FROM papers WHERE id = ?"
READS = 3


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


async def measure(url: str, sessions_per_round: int, rounds: int) -> dict[str, tuple[float, float]]:
    from models import db
    from models.plain import read_rows

    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    reading = getattr(db, "reading", None)  # absent from the code before reading sessions
    held = sqlite3.connect(url.split("///", 1)[1])
    ids = [row[0] for row in held.execute("SELECT id FROM papers ORDER BY id LIMIT 300")]

    async def nothing(i: int) -> None:
        async with sessions():
            pass

    async def three_reads(session, i: int) -> None:
        for k in range(READS):
            await read_rows(session, READ, (ids[(i + k) % len(ids)],))

    async def own(i: int) -> None:
        async with sessions() as session:
            await three_reads(session, i)

    async def lent(i: int) -> None:
        assert reading is not None
        async with reading(sessions) as session:
            await three_reads(session, i)

    async def baseline(i: int) -> None:
        for k in range(READS):
            held.execute(READ, (ids[(i + k) % len(ids)],)).fetchall()

    kinds = {
        "a session that does nothing": nothing,
        f"a session, {READS} plain reads on its own connection": own,
        f"a reading session, {READS} plain reads on its lent one": lent,
        f"baseline: the {READS} reads on a sqlite3 connection held": baseline,
    }
    if reading is None:
        del kinds[f"a reading session, {READS} plain reads on its lent one"]
    for run in kinds.values():  # every connection opened, every statement prepared
        for i in range(50):
            await run(i)
    gc.collect()
    gc.freeze()
    walls: dict[str, list[float]] = {name: [] for name in kinds}
    cpus: dict[str, list[float]] = {name: [] for name in kinds}
    for r in range(rounds):
        order = list(kinds.items())
        for name, run in order if r % 2 == 0 else reversed(order):
            start, cpu = time.perf_counter(), time.process_time()
            for i in range(sessions_per_round):
                await run(i)
            walls[name].append((time.perf_counter() - start) / sessions_per_round)
            cpus[name].append((time.process_time() - cpu) / sessions_per_round)
    held.close()
    await engine.dispose()
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in kinds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2000, help="sessions of each kind a round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds (kinds in turn)")
    args = parser.parse_args()
    print(f"load average at the start: {load_average()}", flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        url = build_database(Path(workdir))
        found = asyncio.run(measure(url, args.sessions, args.rounds))
    print(f"{'per session, median of the rounds':58} {'wall µs':>9} {'CPU µs':>9}")
    for name, (wall, cpu) in found.items():
        print(f"{name:58} {wall * 1e6:>9.1f} {cpu * 1e6:>9.1f}")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()

"""The alerts' digest job: 10,000 subscriptions over a day of 1,000 papers, mailed to a local
SMTP sink. The goal: under a minute.

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.alerts_bench [--subscriptions 10000]
        [--papers 1000]

The papers are made of the 1,294 real titles and abstracts of
``tests/fixtures/bytepiece/arxiv-abstracts.txt`` (the title is the first sentence), with 2 to
6 authors each from a pool of 3,000 names and one to three categories of 24; ``--papers`` of
them are announced on the day of the digest and as many the day before (which no digest may
carry). They are ingested into a fresh migrated SQLite database with the search index, as
the crawler does. Each subscription follows one to three things drawn from pools read off
the day's papers: 400 saved searches (one or two of their words, a quoted phrase, some with a
category), 1,500 authors (a third of them spelt with an initial), 24 categories and lists of
two; daily, one in ten paused or never confirmed. The subscriptions are written straight into
their tables (the sign-up checks are not what is measured).

Timed: ``alerts.send_digests`` for the day with an ``alerts.Mailer`` over one connection to an
aiosmtpd server on 127.0.0.1 that counts what it receives (in a process of its own, as a mail
server would be). Then a second run of the same day, which must send nothing. The
load average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import random
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

import search  # noqa: E402
from alerts import DigestConfig, Mailer, SmtpConfig, send_digests  # noqa: E402
from alerts.follows import fold_name  # noqa: E402
from cli.db import upgrade_database  # noqa: E402
from crawler.ingest import IngestHooks, ingest  # noqa: E402
from crawler.records import (  # noqa: E402
    AnnouncementRecord,
    AuthorRecord,
    PaperRecord,
    VersionRecord,
)
from models.alerts import AlertDelivery, AlertFollow, AlertSubscription  # noqa: E402
from models.db import create_engine, session_factory  # noqa: E402
from models.settings import Settings  # noqa: E402

ABSTRACTS = ROOT / "tests" / "fixtures" / "bytepiece" / "arxiv-abstracts.txt"
DAY = dt.date(2024, 11, 28)
GOAL_SECONDS = 60.0
CATEGORIES = [
    "cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.RO", "cs.CR", "cs.DS", "cs.SE", "stat.ML",
    "math.OC", "math.PR", "math.CO", "hep-th", "hep-ph", "gr-qc", "quant-ph", "astro-ph.GA",
    "astro-ph.CO", "cond-mat.str-el", "cond-mat.mtrl-sci", "physics.optics", "q-bio.NC",
    "econ.EM", "eess.SP",
]  # fmt: skip  # a list of names reads better in rows than one a line
FIRST = ["Ada", "Alan", "Grace", "Yoshua", "Emmy", "Kurt", "Sofia", "Ravi", "Mei", "Jonas",
         "Ines", "Omar", "Lena", "Tomás", "Zoë", "Hiro", "Amara", "Pavel", "Nadia",
         "Chen"]  # fmt: skip  # a list of names reads better in rows than one a line
WORD = re.compile(r"[A-Za-z][a-z]{5,}")


class Sink:
    """An SMTP server that keeps only a count of the messages it accepted."""

    def __init__(self, received) -> None:
        self.received = received

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.received.get_lock():
            self.received.value += 1
        return "250 Message accepted"


def serve_sink(port: int, received, stop) -> None:
    """The sink in a process of its own, as a mail server is: it takes no time of the job's."""
    controller = Controller(Sink(received), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def texts() -> list[tuple[str, str]]:
    found = []
    for line in ABSTRACTS.read_text(encoding="utf-8").splitlines():
        title, _, abstract = line.partition(". ")
        if abstract:
            found.append((title, abstract))
    return found


def authors_pool(rng: random.Random, n: int) -> list[str]:
    return [f"{rng.choice(FIRST)} {rng.choice(FIRST)}son{k}" for k in range(n)]


def papers(rng: random.Random, n: int, names: list[str]) -> list[PaperRecord]:
    source = texts()
    made = []
    for k in range(2 * n):
        day = DAY if k < n else DAY - dt.timedelta(days=1)
        title, abstract = source[k % len(source)]
        published = dt.datetime.combine(day, dt.time(18), dt.UTC) - dt.timedelta(days=1)
        categories = tuple(rng.sample(CATEGORIES, rng.randint(1, 3)))
        made.append(
            PaperRecord(
                arxiv_id=f"2411.{k + 10000:05d}",
                version=1,
                title=title,
                abstract=abstract,
                authors=tuple(AuthorRecord(a) for a in rng.sample(names, rng.randint(2, 6))),
                primary_category=categories[0],
                categories=categories,
                published=published,
                updated=published,
                versions=(VersionRecord(1, published, "100kb"),),
                announcement=AnnouncementRecord(day, "new", (categories[0].split(".")[0],)),
            )
        )
    return made


def follow_pools(
    rng: random.Random, day_papers: list[PaperRecord]
) -> tuple[list[tuple[str, str, list[str]]], ...]:
    words = sorted({w.lower() for p in day_papers for w in WORD.findall(p.abstract)})
    queries = []
    for _ in range(400):
        paper = rng.choice(day_papers)
        own = WORD.findall(paper.abstract) or ["model"]
        shape = rng.random()
        if shape < 0.4:
            query = rng.choice(own).lower()
        elif shape < 0.7:
            query = f"{rng.choice(own).lower()} {rng.choice(words)}"
        elif shape < 0.85:
            start = rng.randrange(max(1, len(own) - 1))
            query = '"' + " ".join(own[start : start + 2]).lower() + '"'
        else:
            query = f"{rng.choice(own).lower()} cat:{rng.choice(CATEGORIES)}"
        queries.append(("query", query, []))
    names = sorted({a.name for p in day_papers for a in p.authors})
    authors = []
    for name in rng.sample(names, min(1500, len(names))):
        first, last = name.split(" ", 1)
        spelt = f"{first[0]}. {last}" if rng.random() < 1 / 3 else name
        variants = sorted({fold_name(name), fold_name(f"{first[0]}. {last}")})
        authors.append(("author", spelt, variants))
    categories = [("category", c, [c]) for c in CATEGORIES]
    categories += [
        ("category", f"{a}+{b}", [a, b]) for a, b in (rng.sample(CATEGORIES, 2) for _ in range(24))
    ]
    return queries, authors, categories


async def build(settings: Settings, subscriptions: int, n_papers: int) -> dict[str, int]:
    rng = random.Random(21)
    names = authors_pool(rng, 3000)
    records = papers(rng, n_papers, names)
    hooks = IngestHooks(papers_changed=search.index_papers)
    engine = create_engine(settings=settings)
    try:
        sessions = session_factory(engine)
        for start in range(0, len(records), 500):
            async with sessions.begin() as session:
                await ingest(session, records[start : start + 500], hooks=hooks)
        queries, authors, categories = follow_pools(rng, records[:n_papers])
        now = dt.datetime(2024, 11, 20, tzinfo=dt.UTC)
        rows, follows, kinds = [], [], {"query": 0, "author": 0, "category": 0}
        for k in range(subscriptions):
            status = rng.choices(["active", "paused", "pending"], [90, 5, 5])[0]
            address = f"reader{k}@example.org"
            rows.append(
                {
                    "id": k + 1,
                    "email": address,
                    "email_hash": f"{k:064x}",
                    "status": status,
                    "frequency": "daily",
                    "client": f"bench-{k % 97}",
                    "created_at": now,
                    "confirmed_at": now,
                }
            )
            for position in range(rng.choice([1, 1, 2, 2, 3])):
                pool = rng.choices([queries, authors, categories], [45, 35, 20])[0]
                kind, value, terms = rng.choice(pool)
                kinds[kind] += 1
                follows.append(
                    {
                        "subscription_id": k + 1,
                        "position": position,
                        "kind": kind,
                        "value": value,
                        "terms": terms,
                    }
                )
        async with sessions.begin() as session:
            for start in range(0, len(rows), 2000):
                await session.execute(insert(AlertSubscription), rows[start : start + 2000])
            for start in range(0, len(follows), 2000):
                await session.execute(insert(AlertFollow), follows[start : start + 2000])
        return kinds
    finally:
        await engine.dispose()


async def digest(settings: Settings, port: int) -> tuple[object, float, float]:
    engine = create_engine(settings=settings)
    try:
        sessions = session_factory(engine)
        smtp = SmtpConfig(
            host="127.0.0.1",
            port=port,
            starttls=False,
            sender="coolpapers <alerts@papers.test>",
            timeout=30,
        )
        config = DigestConfig(site="https://papers.test", sender=smtp.sender, max_papers=30)
        wall, cpu = time.perf_counter(), time.process_time()
        async with Mailer(smtp) as mailer:
            report = await send_digests(sessions, mailer, config, day=DAY)
        return report, time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await engine.dispose()


async def deliveries(settings: Settings) -> dict[str, int]:
    engine = create_engine(settings=settings)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
            )
            return {status: n for status, n in rows}
    finally:
        await engine.dispose()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/alerts.db"
        upgrade_database(url)
        settings = Settings(DATABASE_URL=url)
        started = time.perf_counter()
        kinds = asyncio.run(build(settings, args.subscriptions, args.papers))
        print(
            f"built {args.subscriptions} subscriptions ({kinds}) over {args.papers} papers"
            f" of {DAY} and {args.papers} of the day before in"
            f" {time.perf_counter() - started:.1f} s"
        )
        port, received, stop = free_port(), multiprocessing.Value("i", 0), multiprocessing.Event()
        sink = multiprocessing.Process(target=serve_sink, args=(port, received, stop))
        sink.start()
        wait_for_port(port)
        try:
            print(f"load average before: {load()}")
            report, wall, cpu = asyncio.run(digest(settings, port))
            print(f"load average after: {load()}")
            again, wall_again, _ = asyncio.run(digest(settings, port))
        finally:
            stop.set()
            sink.join(10)
        recorded = asyncio.run(deliveries(settings))
    print(report.describe())
    print(
        f"digest job: {wall:.1f} s wall, {cpu:.1f} s CPU; {received.value} mails received"
        f" ({received.value / wall:.0f} per s); records {recorded}"
    )
    print(f"second run of the day: {again.describe()} in {wall_again:.1f} s")
    ok = wall < GOAL_SECONDS and received.value == report.sent and again.sent == 0
    verdict = "under" if wall < GOAL_SECONDS else "OVER"
    print(
        f"{args.subscriptions} subscriptions: {wall:.1f} s ({verdict} the {GOAL_SECONDS:g} s goal)"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""Search: index build time, index size and query latency of coolpapers' index against tantivy
and against SQLite FTS5 with its own unicode61 tokenizer, on the same synthetic papers.

    .venv/bin/python -m benchmarks.search_bench --sizes 100000,1000000
    tests/pg/cluster.sh .venv/bin/python -m benchmarks.search_bench --db both --skip tantivy

The papers are made from the real titles and abstracts in tests/fixtures (sentences drawn
from them, one word in ten replaced by a word of a Zipf-distributed vocabulary of made-up words,
so that the corpus has a long tail of rare terms). The 200 queries are a fixed mix: 50 rare
words, 50 common words, 50 two- or three-word phrases and 50 three-word queries.

coolpapers is measured through its own code: ``rebuild_index`` reads the papers from the
database (the build time includes that), and queries run through ``search_papers`` (count,
top 10, papers loaded, highlights) and through the index alone (count and top-10 ids, as the
baselines do). ``--db`` runs coolpapers on SQLite (the default), on PostgreSQL (a database
made for the run on the server of ``--postgres`` or ``COOLPAPERS_TEST_POSTGRES_URL``, dropped
at the end) or on both, PostgreSQL's p50 compared with SQLite's (the target: within 1.5x).

``--keep`` keeps the workdir (the SQLite database, tantivy's index and the queries); ``--reuse
DIR`` runs the queries again on what such a run kept, without building anything (at 1M papers the
build takes about half an hour): the build columns are then empty, and the index is as that run
left it, its segments merged into one by the compaction at its end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import postgres

QUERIES_FILE = "queries.json"

ROOT = Path(__file__).resolve().parent.parent
ABSTRACTS = ROOT / "tests" / "fixtures" / "bytepiece" / "arxiv-abstracts.txt"
SEED = 20241128
TOP_K = 10
QUERIES_PER_KIND = 50
REPLACE_RATE = 0.1
SYNTHETIC_VOCABULARY = 300_000


@dataclass(frozen=True, slots=True)
class Corpus:
    titles: list[str]
    abstracts: list[str]
    authors: list[tuple[str, str, str]]


@dataclass(frozen=True, slots=True)
class BenchQuery:
    kind: str  # rare, common, phrase, three
    words: tuple[str, ...]

    def ours(self) -> str:
        joined = " ".join(self.words)
        return f'"{joined}"' if self.kind == "phrase" else joined

    def tantivy(self) -> str:
        if self.kind == "phrase":
            return '+"' + " ".join(self.words) + '"'
        return " ".join(f"+{w}" for w in self.words)

    def fts5(self) -> str:
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        return " AND ".join(f'"{w}"' for w in self.words)


# ---------------------------------------------------------------- corpus


def _sentences(texts: list[str]) -> list[list[str]]:
    found = []
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            tokens = sentence.split()
            if len(tokens) >= 4:
                found.append(tokens)
    return found


def _made_up_words(rng: np.random.Generator, real: list[str], n: int) -> list[str]:
    """Words made of the front of one real word and the back of another."""
    long_words = [w.lower() for w in real if len(w) >= 5 and w.isalpha()]
    heads = rng.integers(0, len(long_words), n)
    tails = rng.integers(0, len(long_words), n)
    made = []
    for h, t in zip(heads, tails, strict=True):
        a, b = long_words[h], long_words[t]
        made.append(a[: max(2, len(a) // 2 + 1)] + b[len(b) // 2 :])
    return list(dict.fromkeys(made))


def make_corpus(n: int, seed: int = SEED) -> Corpus:
    rng = np.random.default_rng(seed)
    lines = [line for line in ABSTRACTS.read_text("utf-8").splitlines() if ". " in line]
    real_titles = [line.split(". ", 1)[0] for line in lines]
    sentences = _sentences([line.split(". ", 1)[1] for line in lines])
    real_words = [w for s in sentences for w in s]
    vocabulary = np.array(_made_up_words(rng, real_words, SYNTHETIC_VOCABULARY), dtype=object)
    ranks = np.arange(1, len(vocabulary) + 1)
    zipf = 1.0 / ranks
    zipf /= zipf.sum()
    title_words = [t.split() for t in real_titles]

    n_sentences = rng.integers(4, 9, n)
    picks = rng.integers(0, len(sentences), int(n_sentences.sum()))
    total_words = sum(len(sentences[p]) for p in picks)
    replace_mask = rng.random(total_words) < REPLACE_RATE
    replacements = iter(rng.choice(vocabulary, int(replace_mask.sum()), p=zipf).tolist())
    replace = replace_mask.tolist()
    abstracts: list[str] = []
    position = 0
    cursor = 0
    for count in n_sentences.tolist():
        words: list[str] = []
        for p in picks[cursor : cursor + count].tolist():
            for w in sentences[p]:
                words.append(next(replacements) if replace[position] else w)
                position += 1
        cursor += count
        abstracts.append(" ".join(words))

    title_picks = rng.integers(0, len(title_words), n)
    title_mask = rng.random((n, 32)) < 0.3
    title_replacements = iter(rng.choice(vocabulary, int(title_mask.sum()), p=zipf).tolist())
    title_replace = title_mask.tolist()
    titles = []
    for i, t in enumerate(title_picks):
        words = title_words[t]
        titles.append(
            " ".join(
                next(title_replacements) if title_replace[i][j % 32] else w
                for j, w in enumerate(words)
            )
        )
    first = [w.capitalize() for w in vocabulary[:3000]]
    people = [f"{first[i % 3000]} {vocabulary[1000 + i].capitalize()}" for i in range(50_000)]
    chosen = rng.integers(0, len(people), (n, 3))
    authors = [(people[a], people[b], people[c]) for a, b, c in chosen]
    return Corpus(titles, abstracts, authors)


def make_queries(corpus: Corpus, seed: int = SEED) -> list[BenchQuery]:
    rng = np.random.default_rng(seed + 1)
    sample = rng.choice(len(corpus.titles), min(len(corpus.titles), 50_000), replace=False)
    frequency: Counter[str] = Counter()
    tokenized = {}
    for i in sample:
        words = re.findall(r"[a-z0-9]+", (corpus.titles[i] + " " + corpus.abstracts[i]).lower())
        tokenized[i] = words
        frequency.update(set(words))
    by_df = [w for w, _ in frequency.most_common() if len(w) >= 4 and not w.isdigit()]
    common = by_df[5:300]
    rare = [w for w in by_df if frequency[w] == 2]
    queries: list[BenchQuery] = []
    for w in rng.choice(rare, QUERIES_PER_KIND, replace=False):
        queries.append(BenchQuery("rare", (str(w),)))
    for w in rng.choice(common, QUERIES_PER_KIND, replace=False):
        queries.append(BenchQuery("common", (str(w),)))
    docs = list(tokenized)
    while len(queries) < 3 * QUERIES_PER_KIND:
        words = tokenized[docs[int(rng.integers(0, len(docs)))]]
        length = int(rng.integers(2, 4))
        if len(words) > length:
            start = int(rng.integers(0, len(words) - length))
            queries.append(BenchQuery("phrase", tuple(words[start : start + length])))
    while len(queries) < 4 * QUERIES_PER_KIND:
        words = [w for w in tokenized[docs[int(rng.integers(0, len(docs)))]] if len(w) >= 4]
        if len(set(words)) >= 3:
            picked = rng.choice(sorted(set(words)), 3, replace=False)
            queries.append(BenchQuery("three", tuple(str(w) for w in picked)))
    return queries


# ---------------------------------------------------------------- measuring


@dataclass(slots=True)
class Timed:
    """Seconds per query by kind: wall clock, and the process's CPU time (all its threads),
    which the other work on a shared machine moves less."""

    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, wall: float, cpu: float) -> None:
        self.wall.setdefault(kind, []).append(wall)
        self.cpu.setdefault(kind, []).append(cpu)


@dataclass(slots=True)
class Result:
    engine: str
    papers: int
    build_seconds: float
    index_bytes: int
    latencies: dict[str, list[float]]
    build_cpu_seconds: float = 0.0  # CPU time of the whole process (all threads)
    cpu_latencies: dict[str, list[float]] = field(default_factory=dict)  # per query

    def percentile(self, q: float, kind: str | None = None, *, cpu: bool = False) -> float:
        chosen = self.cpu_latencies if cpu else self.latencies
        if not chosen:
            return float("nan")
        values = [v for vs in chosen.values() for v in vs] if kind is None else chosen[kind]
        return float(np.percentile(values, q)) * 1000


def _time_queries(run, queries: list[BenchQuery], rounds: int = 2) -> tuple[Timed, Timed]:
    """Latencies of a first round (which warms the caches) and of ``rounds`` more."""
    first, warm = Timed(), Timed()
    for target in [first] + [warm] * rounds:
        for q in queries:
            start, cpu = time.perf_counter(), time.process_time()
            run(q)
            target.add(q.kind, time.perf_counter() - start, time.process_time() - cpu)
    return first, warm


def _dbstat_bytes(connection: sqlite3.Connection, like: str) -> int:
    row = connection.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE ?", (like,)).fetchone()
    return int(row[0] or 0)


def bench_tantivy(
    corpus: Corpus | None, queries: list[BenchQuery], workdir: Path, n: int
) -> list[Result]:
    """tantivy built from ``corpus`` in ``workdir``, or opened there when ``corpus`` is None."""
    import tantivy

    path = workdir / "tantivy"
    build = cpu = float("nan")
    if corpus is None:
        index = tantivy.Index.open(str(path))
    else:
        path.mkdir()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in ("title", "abstract", "authors"):
            builder.add_text_field(name, stored=False)
        index = tantivy.Index(builder.build(), path=str(path))
        start, cpu = time.perf_counter(), time.process_time()
        writer = index.writer(heap_size=512_000_000)
        for i in range(len(corpus.titles)):
            writer.add_document(
                tantivy.Document(
                    id=str(i),
                    title=corpus.titles[i],
                    abstract=corpus.abstracts[i],
                    authors=", ".join(corpus.authors[i]),
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        build, cpu = time.perf_counter() - start, time.process_time() - cpu
    index.reload()
    searcher = index.searcher()
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    boosts = {"title": 10.0, "abstract": 4.0, "authors": 2.0}
    fields = ["title", "abstract", "authors"]

    def run(q: BenchQuery) -> None:
        parsed = index.parse_query(q.tantivy(), fields, field_boosts=boosts)
        found = searcher.search(parsed, TOP_K, count=True)
        for _, address in found.hits:
            searcher.doc(address)

    first, warm = _time_queries(run, queries)
    return [
        Result("tantivy", n, build, size, warm.wall, cpu, warm.cpu),
        Result("tantivy (1st round)", n, build, size, first.wall, cpu, first.cpu),
    ]


def bench_unicode61(corpus: Corpus, queries: list[BenchQuery], workdir: Path) -> Result:
    path = workdir / "unicode61.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(title, abstract, authors, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    start, cpu = time.perf_counter(), time.process_time()
    batch = 10_000
    for low in range(0, len(corpus.titles), batch):
        high = min(low + batch, len(corpus.titles))
        with connection:
            connection.executemany(
                "INSERT INTO fts (rowid, title, abstract, authors) VALUES (?, ?, ?, ?)",
                (
                    (i, corpus.titles[i], corpus.abstracts[i], ", ".join(corpus.authors[i]))
                    for i in range(low, high)
                ),
            )
    with connection:
        connection.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    build, cpu = time.perf_counter() - start, time.process_time() - cpu
    size = _dbstat_bytes(connection, "fts%")

    def run(q: BenchQuery) -> None:
        match = q.fts5()
        connection.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()
        connection.execute(
            "SELECT rowid, bm25(fts, 10.0, 4.0, 2.0) AS s FROM fts WHERE fts MATCH ? "
            "ORDER BY s LIMIT ?",
            (match, TOP_K),
        ).fetchall()

    _, warm = _time_queries(run, queries)
    result = Result("fts5 unicode61", len(corpus.titles), build, size, warm.wall, cpu, warm.cpu)
    connection.close()
    return result


def _load_papers_postgresql(url: str, corpus: Corpus) -> None:
    """The papers of ``corpus`` in the PostgreSQL database of ``url`` (migrated first)."""
    from cli.db import upgrade_database

    upgrade_database(url)
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    names = sorted({a for authors in corpus.authors for a in authors})
    author_ids = {name: i + 1 for i, name in enumerate(names)}
    base = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    with postgres.connect(url) as connection:
        with connection.cursor().copy("COPY authors (id, name) FROM STDIN") as copy:
            for name, i in author_ids.items():
                copy.write_row((i, name))
        columns = (
            "id, version, title, abstract, published, withdrawn, hidden, created_at, modified_at"
        )
        with connection.cursor().copy(f"COPY papers ({columns}) FROM STDIN") as copy:
            for i in range(len(corpus.titles)):
                published = base + dt.timedelta(days=i % 5000)
                copy.write_row(
                    (f"{i:08d}", 1, corpus.titles[i], corpus.abstracts[i], published,
                     False, False, now, now)
                )  # fmt: skip
        with connection.cursor().copy(
            "COPY paper_authors (paper_id, position, author_id) FROM STDIN"
        ) as copy:
            for i, authors in enumerate(corpus.authors):
                for position, name in enumerate(authors):
                    copy.write_row((f"{i:08d}", position, author_ids[name]))
        connection.execute("SELECT setval('authors_id_seq', %s)", (len(names),))
        connection.execute("ANALYZE")


def _load_papers(path: Path, corpus: Corpus) -> None:
    from cli.db import upgrade_database

    upgrade_database(f"sqlite+aiosqlite:///{path}")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    now = "2025-01-01 00:00:00.000000"
    names = sorted({a for authors in corpus.authors for a in authors})
    author_ids = {name: i + 1 for i, name in enumerate(names)}
    base = dt.date(2010, 1, 1)
    with connection:
        connection.executemany(
            "INSERT INTO authors (id, name) VALUES (?, ?)", ((i, n) for n, i in author_ids.items())
        )
        connection.executemany(
            "INSERT INTO papers (id, version, title, abstract, published, withdrawn, hidden, "
            "created_at, modified_at) VALUES (?, 1, ?, ?, ?, 0, 0, ?, ?)",
            (
                (
                    f"{i:08d}",
                    corpus.titles[i],
                    corpus.abstracts[i],
                    f"{(base + dt.timedelta(days=i % 5000)).isoformat()} 00:00:00.000000",
                    now,
                    now,
                )
                for i in range(len(corpus.titles))
            ),
        )
        connection.executemany(
            "INSERT INTO paper_authors (paper_id, position, author_id) VALUES (?, ?, ?)",
            (
                (f"{i:08d}", position, author_ids[name])
                for i, authors in enumerate(corpus.authors)
                for position, name in enumerate(authors)
            ),
        )
    connection.close()


def bench_coolpapers(
    corpus: Corpus | None,
    queries: list[BenchQuery],
    workdir: Path,
    server: str | None = None,
    n: int = 0,
) -> list[Result]:
    """coolpapers on SQLite, or on PostgreSQL when ``server`` names one; with ``corpus`` None,
    on the SQLite database and index that an earlier run kept in ``workdir``."""
    if server is None:
        return _bench_coolpapers(corpus, queries, workdir, None, n)
    if corpus is None:
        raise ValueError("only SQLite runs can reuse an earlier build")
    from sqlalchemy.engine import make_url

    name = f"search_bench_{os.getpid()}"
    postgres.run(server, f'DROP DATABASE IF EXISTS "{name}"')
    postgres.run(server, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        _load_papers_postgresql(url, corpus)
        return _bench_coolpapers(corpus, queries, workdir, url, n)
    finally:
        postgres.run(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _bench_coolpapers(
    corpus: Corpus | None,
    queries: list[BenchQuery],
    workdir: Path,
    postgresql: str | None,
    n: int,
) -> list[Result]:
    from sqlalchemy import text

    from models.db import create_engine, session_factory
    from models.settings import Settings
    from search import loaded, rebuild_index, search_papers, shared_analyzer
    from search import sqlite as index_sql
    from search.engine import filters_of
    from search.query import parse_query
    from search.schema import SEGMENTS_TABLE
    from search.storage import merge_all

    path = workdir / "coolpapers.db"
    if postgresql is None:
        if corpus is not None:
            _load_papers(path, corpus)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = postgresql
    analyzer = shared_analyzer()

    async def timed(session, call: str, client=None) -> tuple[Timed, Timed]:
        """Latencies of the first round (nothing cached in this process) and of two more."""
        first, warm = Timed(), Timed()
        for target in (first, warm, warm):
            for q in queries:
                t0, cpu = time.perf_counter(), time.process_time()
                if call == "api":
                    status = await client({"q": q.ours(), "limit": TOP_K})
                    assert status == 200, status
                elif call == "full":
                    await search_papers(session, q.ours(), limit=TOP_K)
                else:
                    parsed = parse_query(q.ours())
                    await index_sql.run_search(
                        session,
                        parsed,
                        filters_of(parsed),
                        analyzer,
                        sort="relevance",
                        limit=TOP_K,
                        offset=0,
                    )
                target.add(q.kind, time.perf_counter() - t0, time.process_time() - cpu)
        return first, warm

    async def go() -> dict[str, object]:
        engine = create_engine(url, settings=Settings(DATABASE_URL=url))
        sessions = session_factory(engine)
        out: dict[str, Any] = {"build": float("nan"), "cpu": float("nan")}
        if corpus is not None:
            start, cpu = time.perf_counter(), time.process_time()
            await rebuild_index(sessions, compact=False)
            out["build"] = time.perf_counter() - start
            out["cpu"] = time.process_time() - cpu
        async with sessions() as session:
            (segments,) = (
                await session.execute(text(f"SELECT count(*) FROM {SEGMENTS_TABLE}"))
            ).one()
        print(f"the index has {segments} segments", flush=True)
        # Each way of searching starts with nothing of the index cached in this process: the
        # site's own first (what users meet), then search_papers, then the index alone.
        loaded._loaded.clear()
        out["api_first"], out["api"] = await _api_rounds(url, timed)
        loaded._loaded.clear()
        async with sessions() as session:
            out["full_first"], out["full"] = await timed(session, "full")
        loaded._loaded.clear()
        async with sessions() as session:
            out["raw_first"], out["raw"] = await timed(session, "raw")
        start = time.perf_counter()
        async with sessions.begin() as session:
            await merge_all(session)
        out["compaction"] = time.perf_counter() - start
        loaded._loaded.clear()
        async with sessions() as session:
            out["compact_first"], out["compact"] = await timed(session, "raw")
        await engine.dispose()
        return out

    out = asyncio.run(go())
    if postgresql is None:
        connection = sqlite3.connect(path)
        size = _dbstat_bytes(connection, "search%")
        connection.close()
        label = "coolpapers"
    else:
        from sqlalchemy.engine import make_url

        size = int(
            postgres.run(
                postgresql,
                "SELECT coalesce(sum(pg_total_relation_size(oid)), 0) FROM pg_class"
                " WHERE relkind = 'r' AND relname LIKE 'search%'",
                make_url(postgresql).database or "",
            )[0][0]
        )
        label = "coolpapers pg"
    build, cpu, compaction = out["build"], out["cpu"], out["compaction"]
    print(f"{label}: compaction (merging the segments into one) {compaction:.1f} s", flush=True)

    def result(name: str, timed: Timed) -> Result:
        return Result(f"{label} ({name})", n, build, size, timed.wall, cpu, timed.cpu)

    return [
        result("/api/search", out["api"]),
        result("/api/search, 1st", out["api_first"]),
        result("index only", out["raw"]),
        result("index, 1st round", out["raw_first"]),
        result("search_papers", out["full"]),
        result("search_papers, 1st", out["full_first"]),
        result("compacted, index", out["compact"]),
        result("compacted, 1st", out["compact_first"]),
    ]


def _compare(sqlite: list[Result], postgresql: list[Result]) -> str:
    """PostgreSQL's p50 against SQLite's, way by way (the target: within 1.5x)."""
    lines = []
    for ours, theirs in zip(sqlite, postgresql, strict=True):
        ratio = theirs.percentile(50) / ours.percentile(50)
        verdict = "met" if ratio <= 1.5 else "NOT met"
        lines.append(
            f"p50 PostgreSQL / SQLite, {ours.engine.removeprefix('coolpapers ')}: "
            f"{theirs.percentile(50):.2f} / {ours.percentile(50):.2f} ms = {ratio:.2f} "
            f"({verdict}, target <= 1.5)"
        )
    return "\n".join(lines)


async def _api_rounds(url: str, timed) -> tuple[dict, dict]:
    """``/api/search`` of the site as ``coolpapers serve`` builds and starts it, the app called
    in-process on its event loop as a server calls it (ASGI, no client, no network): routing,
    middleware, parameters, the search, the papers, highlighting and the JSON. Like a served
    site, it has loaded its tokenizer, read the index's per-paper arrays (every paper's
    length and day) and touched the memory of its search cache (``search.reserve``) before the
    first round starts; the terms' lists are read by the queries themselves."""
    from urllib.parse import urlencode

    from benchmarks.web_bench import http_scope
    from cli.serve import load_search_index, site, warm_up
    from models.settings import Settings

    app = site(Settings(DATABASE_URL=url))

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def get(params: dict[str, object]) -> int:
        """The status of ``/api/search?params``, its JSON written and sent."""
        statuses = []

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(http_scope("/api/search", urlencode(params).encode()), receive, send)
        return statuses[0]

    async with app.router.lifespan_context(app):
        # What `coolpapers serve` does at start (cli.serve.freeze_after_startup), without the
        # related papers' vectors, which are built in a thread of their own and not searched;
        # the MCP server, which it starts in the background, frozen with the rest.
        warm_up()
        await app.state.mcp.settled()
        gc.collect()
        gc.freeze()
        await load_search_index(app.state.sessions)
        return await timed(None, "api", get)


def _report(results: list[Result], queries: list[BenchQuery]) -> str:
    lines = []
    baseline = results[0]
    lines.append(
        f"{'engine':32} {'papers':>9} {'build s':>8} {'papers/s':>9} {'per CPU s':>9} "
        f"{'size MB':>8} {'p50 ms':>7} {'p99 ms':>7} {'p50 ratio':>9} {'CPU p50':>7} {'CPU p99':>7}"
    )
    for r in results:
        lines.append(
            f"{r.engine:32} {r.papers:>9} {r.build_seconds:>8.1f} "
            f"{r.papers / r.build_seconds:>9.0f} {r.papers / max(r.build_cpu_seconds, 1e-9):>9.0f} "
            f"{r.index_bytes / 1e6:>8.1f} "
            f"{r.percentile(50):>7.2f} {r.percentile(99):>7.2f} "
            f"{r.percentile(50) / baseline.percentile(50):>9.2f} "
            f"{r.percentile(50, cpu=True):>7.2f} {r.percentile(99, cpu=True):>7.2f}"
        )
    lines.append(f"(p50 ratio: against {baseline.engine}, measured in the same run;")
    lines.append(" CPU: the process's CPU time per query, all its threads, ms)")
    kinds = sorted({q.kind for q in queries})
    for title, cpu in (("p50 / p99 ms by kind", False), ("CPU p50 / p99 ms by kind", True)):
        lines.append("")
        lines.append(f"{title:32} " + " ".join(f"{k:>15}" for k in kinds))
        for r in results:
            cells = [
                f"{r.percentile(50, k, cpu=cpu):6.2f} /{r.percentile(99, k, cpu=cpu):7.2f}"
                for k in kinds
            ]
            lines.append(f"{r.engine:32} " + " ".join(f"{c:>15}" for c in cells))
    return "\n".join(lines)


def _corpus_and_queries(
    size: int, workdir: Path, *, reuse: bool
) -> tuple[Corpus | None, list[BenchQuery]]:
    """The corpus to build (None when reusing a build) and the queries, which are kept in
    ``workdir`` for the runs that reuse it."""
    saved = workdir / QUERIES_FILE
    if reuse and saved.exists():
        return None, [
            BenchQuery(kind, tuple(words)) for kind, words in json.loads(saved.read_text())
        ]
    corpus = make_corpus(size)
    queries = make_queries(corpus)
    saved.write_text(json.dumps([[q.kind, list(q.words)] for q in queries]))
    return (None if reuse else corpus), queries


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated numbers of papers")
    parser.add_argument("--workdir", default=None, help="where to build (default: a temp dir)")
    parser.add_argument("--skip", default="", help="comma-separated: tantivy, unicode61")
    parser.add_argument("--keep", action="store_true", help="keep the indexes built")
    parser.add_argument(
        "--reuse",
        default=None,
        help="a workdir kept by --keep: run the queries on its database and tantivy index"
        " without building (SQLite only, one size: the one it was built with)",
    )
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="sqlite", help="coolpapers on"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("COOLPAPERS_TEST_POSTGRES_URL"),
        help="a PostgreSQL server's URL (default: COOLPAPERS_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    if args.db != "sqlite" and not args.postgres:
        raise SystemExit("--db postgresql needs --postgres URL or COOLPAPERS_TEST_POSTGRES_URL")
    # As `coolpapers serve` starts (cli.serve.prepare_process), before any thread, tantivy's
    # included: every engine of this process allocates as a served process does.
    from search import reserve

    reserve.keep_freed_memory()
    if args.reuse and (args.db != "sqlite" or "," in args.sizes):
        raise SystemExit("--reuse runs SQLite only, at the one size that was built")
    skip = set(filter(None, args.skip.split(",")))
    for size in (int(s) for s in args.sizes.split(",")):
        if args.reuse:
            workdir = Path(args.reuse)
        else:
            workdir = Path(tempfile.mkdtemp(prefix="search-bench-", dir=args.workdir))
        try:
            started = time.perf_counter()
            corpus, queries = _corpus_and_queries(size, workdir, reuse=bool(args.reuse))
            print(
                f"\n== {size} papers (made in {time.perf_counter() - started:.0f} s), "
                f"{len(queries)} queries, {os.cpu_count()} cores, "
                f"load average {_load()}",
                flush=True,
            )
            results = []
            if "tantivy" not in skip:
                results.extend(bench_tantivy(corpus, queries, workdir, size))
                if corpus is not None:
                    print(f"tantivy built in {results[-1].build_seconds:.1f} s", flush=True)
            ours: dict[str, list[Result]] = {}
            for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
                server = args.postgres if db == "postgresql" else None
                ours[db] = bench_coolpapers(corpus, queries, workdir, server, size)
                results.extend(ours[db])
                if corpus is not None:
                    built = ours[db][-1].build_seconds
                    print(f"coolpapers on {db} built in {built:.1f} s", flush=True)
            if "unicode61" not in skip:
                results.append(bench_unicode61(corpus, queries, workdir))
            print(_report(results, queries), flush=True)
            if len(ours) == 2:
                print(_compare(ours["sqlite"], ours["postgresql"]), flush=True)
            print("load average at the end: " + _load(), flush=True)
        finally:
            if args.keep or args.reuse:
                print(f"kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

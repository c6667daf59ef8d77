"""Searches in a process whose address space is a few hundred MB above what it has mapped: a
filter-only query with an exclusion takes memory by its candidates, never by "all of them"."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from models.settings import Settings
from tests.search.test_relevance import corpus, has_word, text_of

HEADROOM_MB = 384

SCRIPT = """
import asyncio, json, resource, sys

from models.db import create_engine, session_factory
from models.settings import Settings
from search import search_papers


def mapped() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize")


async def main(url: str, queries: list[str]) -> dict:
    engine = create_engine(url, settings=Settings(DATABASE_URL=url))
    answers = {}
    try:
        async with session_factory(engine)() as session:
            await search_papers(session, "warm", limit=1)  # threads and imports before the limit
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (mapped() + int(sys.argv[2]) * 2**20, hard))
            for query in queries:
                page = await search_papers(session, query, limit=200)
                answers[query] = [page.total, sorted(hit.paper.id for hit in page.hits)]
    finally:
        await engine.dispose()
    return answers


print(json.dumps(asyncio.run(main(sys.argv[1], json.loads(sys.argv[3])))))
"""


async def test_filter_only_queries_with_exclusions_fit_in_little_memory(
    sample_sessions, sample_settings: Settings
) -> None:
    docs = await corpus(sample_sessions)
    expected = {
        "cat:cs.AI -learning": {
            d.id for d in docs if "cs.AI" in d.categories and not has_word(text_of(d), "learning")
        },
        "cat:cs -the -of": {
            d.id
            for d in docs
            if any(c.startswith("cs.") for c in d.categories)
            and not (has_word(text_of(d), "the") or has_word(text_of(d), "of"))
        },
        "from:2020 -model": {
            d.id
            for d in docs
            if d.published and d.published.year >= 2020 and not has_word(text_of(d), "model")
        },
    }
    assert all(expected.values())
    # One arena and one BLAS thread: the limit measures what a search allocates, not how many
    # threads the libraries would start.
    env = {**os.environ, "MALLOC_ARENA_MAX": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            sample_settings.DATABASE_URL,
            str(HEADROOM_MB),
            json.dumps(list(expected)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout)
    for query, wanted in expected.items():
        total, found = answers[query]
        assert (total, set(found)) == (len(wanted), wanted), query

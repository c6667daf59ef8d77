"""What a posting format in blocks could save the search benchmark's queries: for each query of
a kept ``search_bench`` workdir, how much of its posting lists a search would still have to
decode if each list came in blocks with, for each block, its last docid and the upper bound of
its scores (the largest frequency of each field and the shortest paper of the block).

    .venv/bin/python -m benchmarks.block_bounds --reuse /path/to/search-bench-xxxx

Two savings are counted, each against decoding every list whole (what the index does for a
list new to the process):

- **bounds** (block-max, as Lucene's and tantivy's WAND): the blocks of the clause that gives
  the candidates whose upper bound, with the best the other clauses could add, reaches the
  10th best score (the exact top 10, found first); the other blocks could be left undecoded;
- **skips**: the blocks of the other clauses' lists that hold at least one candidate, which is
  all a look-up of the candidates needs to decode.

Phrases are left out (their positions are another list). Block sizes of 64, 128 and 256
postings are counted. The counts are computed here from the decoded lists and the papers'
lengths, with the scores the index itself computes (``search.evaluate``).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from search import _kernel, shared_analyzer
from search.evaluate import EMPTY, Collection, TermList, evaluate
from search.loaded import loaded_index, term_lists
from search.plan import Alternative, Plan, plan_query
from search.query import parse_query

TOP_K = 10
BLOCKS = (64, 128, 256)


def block_bounds(
    found: TermList, alternative: Alternative, collection: Collection, block: int
) -> np.ndarray:
    """The upper bound of the scores of each block of ``block`` postings of ``found``."""
    weight = _kernel.idf(len(found), collection.count)
    weights = np.asarray(alternative.weights)
    n = len(found)
    starts = np.arange(0, n, block)
    most = np.maximum.reduceat(found.tf, starts, axis=0).astype(np.float64)
    shortest = np.minimum.reduceat(collection.lengths[found.docids], starts).astype(np.float64)
    summed = most @ weights
    norm = 1.2 * (0.25 + 0.75 * shortest / collection.average_length)
    with np.errstate(invalid="ignore", divide="ignore"):
        bounds = np.where(summed > 0, summed * 2.2 / (summed + norm), 0.0)
    return bounds * weight


def holding_blocks(found: TermList, candidates: np.ndarray, block: int) -> int:
    """How many blocks of ``block`` postings of ``found`` hold at least one candidate."""
    at = np.searchsorted(found.docids, candidates)
    inside = at < len(found)
    held = at[inside][found.docids[at[inside]] == candidates[inside]]
    return len(np.unique(held // block))


def query_savings(
    plan: Plan, lists: dict[str, TermList], collection: Collection, block: int
) -> tuple[int, int, int, int] | None:
    """The postings of ``plan``'s lists: all of them, the driver's (the clause with the
    fewest, which gives the candidates), those in the driver's blocks whose bound, with the
    best the other clauses could add, reaches the 10th best score, and those in the other
    clauses' blocks that hold a candidate. None for a phrase or an excluded term."""
    clauses = plan.clauses
    if any(a.is_phrase for c in clauses for a in c) or plan.excluded:
        return None
    ranking = evaluate(plan, lists, collection, k=TOP_K)
    # under ``TOP_K`` matches, every block that may hold one is decoded
    threshold = ranking.scores[-1] if len(ranking.scores) == TOP_K else 0.0
    held = [[a for a in clause if len(lists.get(a.words[0], EMPTY))] for clause in clauses]
    sizes = [sum(len(lists[a.words[0]]) for a in clause) for clause in held]
    order = sorted(range(len(held)), key=sizes.__getitem__)
    bounds = [[block_bounds(lists[a.words[0]], a, collection, block) for a in c] for c in held]
    best = [sum(float(b.max()) for b in clause) for clause in bounds]
    driver = order[0]
    others = sum(best) - best[driver]
    reaching = 0  # a block reaches a threshold of 0 if it may hold a match: >= counts it
    for alternative, alternative_bounds in zip(held[driver], bounds[driver], strict=True):
        size = len(lists[alternative.words[0]])
        rest = best[driver] - float(alternative_bounds.max())  # the clause's other lists
        for b in np.flatnonzero(alternative_bounds + rest + others >= threshold).tolist():
            reaching += min(block, size - b * block)
    candidates = np.unique(np.concatenate([lists[a.words[0]].docids for a in held[driver]]))
    holding = 0
    for index in order[1:]:
        for alternative in held[index]:
            found = lists[alternative.words[0]]
            holding += min(len(found), block * holding_blocks(found, candidates, block))
    return sum(sizes), sizes[driver], reaching, holding


def _quartiles(shares: list[float]) -> str:
    low, middle, high = np.percentile(shares, [25, 50, 75])
    return f"{low:.0%} / {middle:.0%} / {high:.0%}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", required=True, help="a workdir kept by search_bench --keep")
    args = parser.parse_args(argv)
    workdir = Path(args.reuse)
    queries = json.loads((workdir / "queries.json").read_text())
    database = workdir / "coolpapers.db"
    connection = sqlite3.connect(database)

    def read(statement: str, params: object = ()) -> list[tuple]:
        return connection.execute(statement, params).fetchall()  # type: ignore[arg-type]

    index = loaded_index(read, str(database))
    collection = index.collection()
    analyzer = shared_analyzer()
    print(f"{collection.count} papers, {len(queries)} queries", flush=True)
    figures: dict[tuple[str, int], list[tuple[int, int, int, int]]] = {}
    for kind, words in queries:
        if kind == "phrase":
            continue
        plan = plan_query(parse_query(" ".join(words)), analyzer)
        if plan is None:
            continue
        lists = term_lists(read, index, plan.terms())
        for block in BLOCKS:
            found = query_savings(plan, lists, collection, block)
            if found is not None:
                figures.setdefault((kind, block), []).append(found)
    print(
        "\nshare of the postings that a search decodes whole (a list new to the process) that "
        "it would still decode\n(25th percentile / median / 75th, over the queries): with "
        "bounds (the driver's blocks reaching the 10th score, the others whole), with skips "
        "(the driver whole, the others' blocks holding a candidate), with both"
    )
    print(f"{'kind':8} {'block':>5} {'queries':>7} {'bounds':>17} {'skips':>17} {'both':>17}")
    for (kind, block), rows in sorted(figures.items()):
        cells = [
            _quartiles([(r + (t - d)) / t for t, d, r, _ in rows]),
            _quartiles([(d + h) / t for t, d, _, h in rows]),
            _quartiles([(r + h) / t for t, _, r, h in rows]),
        ]
        print(f"{kind:8} {block:>5} {len(rows):>7} " + " ".join(f"{c:>17}" for c in cells))
    connection.close()


if __name__ == "__main__":
    main()

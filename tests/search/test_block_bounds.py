"""The block bounds that ``benchmarks.block_bounds`` counts: each bound is at least every score
of its block as the index computes it, and a block is counted as holding a candidate when it
does."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.block_bounds import block_bounds, holding_blocks, query_savings
from search import _kernel
from search.evaluate import TermList, collection_of
from search.plan import Alternative, Plan

WORDS = (10.0, 4.0, 2.0, 0.0, 0.0, 0.5)


def _list(draw_docids: list[int], rng: np.random.Generator) -> TermList:
    docids = np.array(sorted(set(draw_docids)), dtype=np.int32)
    tf = rng.integers(0, 4, size=(len(docids), 6)).astype(np.uint8)
    tf[:, 0] |= 1  # every paper holds the word somewhere
    return TermList(docids, tf)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 499), min_size=1, max_size=300),
    st.sampled_from([4, 16, 64]),
    st.integers(0, 2**16),
)
def test_a_blocks_bound_is_at_least_each_of_its_scores(docids, block, seed) -> None:
    rng = np.random.default_rng(seed)
    found = _list(docids, rng)
    lengths = rng.integers(1, 400, size=500).tolist()
    collection = collection_of(list(range(500)), lengths, [0] * 500)
    alternative = Alternative(("word",), WORDS)
    bounds = block_bounds(found, alternative, collection, block)
    weight = _kernel.idf(len(found), collection.count)
    _, scores = _kernel.score_list(
        found.docids, found.tf, WORDS, weight, collection.lengths, collection.average_length
    )
    assert len(bounds) == -(-len(found) // block)
    for number, bound in enumerate(bounds):
        assert bound >= scores[number * block : (number + 1) * block].max() * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 999), min_size=1, max_size=300),
    st.lists(st.integers(0, 999), max_size=50),
    st.sampled_from([1, 8, 64]),
)
def test_the_blocks_holding_a_candidate_are_counted(docids, candidates, block) -> None:
    found = _list(docids, np.random.default_rng(0))
    asked = np.array(sorted(set(candidates)), dtype=np.int32)
    position = {int(d): i for i, d in enumerate(found.docids)}
    expected = {position[int(c)] // block for c in asked if int(c) in position}
    assert holding_blocks(found, asked, block) == len(expected)


def test_a_rare_words_candidates_leave_most_of_a_common_list_undecoded() -> None:
    rng = np.random.default_rng(1)
    common = _list(list(range(0, 2000, 2)), rng)
    rare = _list([10, 1500], rng)
    collection = collection_of(list(range(2000)), [100] * 2000, [0] * 2000)
    plan = Plan(((Alternative(("rare",), WORDS),), (Alternative(("common",), WORDS),)))
    total, driver, reaching, holding = query_savings(
        plan, {"rare": rare, "common": common}, collection, 64
    )
    assert (total, driver, reaching) == (1002, 2, 2)
    assert holding == 2 * 64  # the two blocks of the common list that hold 10 and 1500

"""The search cache keeps to its budget (SEARCH_CACHE_MB) in the memory it really takes, as
tracemalloc sees it: posting lists and their scores together, many small lists as well as a
few large ones."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from search import SearchOptions, configure, loaded
from search.evaluate import TermList

MIB = 2**20
SLACK = 1.1  # the allocator's rounding beyond what the cache counts


@pytest.fixture
def one_mib() -> Iterator[None]:
    configure(SearchOptions(cache_mb=1))
    yield
    configure(SearchOptions())


def term_list(i: int, postings: int, positions: bool = False) -> TermList:
    key = (f"term{i}", (3 + i % 7, 300 + i % 11))  # a term and the segments that hold it
    docids = np.arange(i, i + postings, dtype=np.int32)
    tf = np.ones((postings, 6), np.uint8)
    where = None
    if positions:
        where = (bytes(3 * postings), np.arange(postings, dtype=np.uint32) * 3)
    return TermList(docids, tf, where, key)


def traced(fill: Callable[[], None]) -> int:
    """The memory that ``fill`` leaves allocated."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fill()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("postings", "positions"), [(2, False), (40, True), (5_000, False), (5_000, True)]
)
def test_posting_lists_keep_to_their_share_of_the_budget(
    one_mib: None, postings: int, positions: bool
) -> None:
    index = loaded.LoadedIndex("index")

    def fill() -> None:
        for i in range(60_000 * 2 // postings + 50):
            found = term_list(i, postings, positions)
            index.remember(found.key, found)

    used = traced(fill)
    assert len(index.lists) > 1
    assert index.cached_bytes <= MIB * 3 // 4
    assert used <= SLACK * MIB * 3 // 4


def test_scores_keep_to_their_quarter_of_the_budget(one_mib: None) -> None:
    memo = loaded.ScoreMemo()

    def fill() -> None:
        for i in range(20_000):
            key = (term_list(i, 1).key, (1.0, 0.5, 0.25), 1000, 12.5)
            memo[key] = (np.arange(2, dtype=np.int32), np.ones(2, np.float32))

    used = traced(fill)
    assert len(memo) > 1
    assert memo.bytes <= MIB // 4
    assert used <= SLACK * MIB // 4


def test_lists_and_scores_together_keep_to_the_budget(one_mib: None) -> None:
    index = loaded.LoadedIndex("index")

    def fill() -> None:
        for i in range(200):
            found = term_list(i, 3_000)
            index.remember(found.key, found)
            scores = (found.docids.copy(), np.ones(len(found), np.float32))
            index.scores[(found.key, (1.0,), 1000, 12.5)] = scores

    used = traced(fill)
    assert index.cached_bytes + index.scores.bytes <= MIB
    assert used <= SLACK * MIB


def test_scores_that_are_the_front_of_a_larger_buffer_count_the_whole_buffer(
    one_mib: None,
) -> None:
    memo = loaded.ScoreMemo()

    def fill() -> None:
        for i in range(200):
            docids, scores = np.zeros(4_000, np.int32), np.zeros(4_000, np.float64)
            memo[(f"term{i}", (1.0,), 1000, 12.5)] = (docids[:10], scores[:10])

    used = traced(fill)
    assert memo.bytes <= MIB // 4
    assert used <= SLACK * MIB // 4

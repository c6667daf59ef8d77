"""The compiled kernel against plain Python: the best k (in memory by the candidates), and lists
merged across segments."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import _kernel


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=0, max_size=60),
    st.integers(1, 12),
    st.booleans(),
)
def test_top_keeps_the_best_k_highest_docid_first_on_ties(rows, k, by_date) -> None:
    candidates = np.arange(len(rows), dtype=np.int32)
    scores = np.array([float(score) for score, _ in rows], dtype=np.float64)
    keep = np.array([1 if kept else 0 for _, kept in rows], dtype=np.uint8)
    allowed = np.ones(len(rows) + 1, dtype=np.uint8)
    days = np.array([score * 2 for score, _ in rows] or [0], dtype=np.int32)
    count, docids, best = _kernel.top(
        candidates, scores, keep, allowed, days, -(2**31), 2**31 - 1, k, by_date
    )
    kept = [d for d in range(len(rows)) if keep[d]]
    key = (lambda d: days[d]) if by_date else (lambda d: scores[d])
    expected = sorted(kept, key=lambda d: (key(d), d), reverse=True)[:k]
    assert count == len(kept)
    assert list(docids) == expected
    assert list(best) == [scores[d] for d in expected]


def test_lists_of_neighbouring_segments_merge_without_the_papers_gone() -> None:
    # Two segments of one paper each: docids 10 and 20, relative to their first docid.
    first = (bytes([0, 0b00001, 2]), bytes([1, 3]))  # docid 10: twice in the title
    second = (bytes([0, 0b00010, 1]), bytes([1, 5]))  # docid 20: once in the abstract
    docs, positions, df, last = _kernel.concatenate([(*first, 10), (*second, 20)], None, 10)
    docids, tf = _kernel.decode(docs, df, 10)
    assert (df, last, list(docids)) == (2, 20, [10, 20])
    assert tf[:, :2].tolist() == [[2, 0], [0, 1]]
    alive = np.zeros(21, dtype=np.uint8)
    alive[20] = 1
    docs, positions, df, last = _kernel.concatenate([(*first, 10), (*second, 20)], alive, 20)
    assert (df, last, list(_kernel.decode(docs, df, 20)[0])) == (1, 20, [20])
    starts, ends = _kernel.position_offsets(positions, df)
    assert positions[starts[0] : ends[0]] == bytes([5])


def test_the_rows_of_a_merged_segment_follow_the_segments_docids_not_their_numbers() -> None:
    first = (bytes([0, 0b00001, 2]), bytes([1, 3]))  # docid 10: twice in the title
    second = (bytes([0, 0b00010, 1]), bytes([1, 5]))  # docid 20: once in the abstract
    # Segment 7 holds docid 20 and segment 3 docid 10: the rows of "b" come newest first.
    rows = [("a", 3, *first), ("b", 7, *second), ("b", 3, *first), ("c", 7, *second)]
    bases = {3: 10, 7: 20}
    alive = np.ones(21, dtype=np.uint8)
    merged = _kernel.merge_segment_rows(rows, bases, alive, 10, 99)
    expected = {}
    for term, parts in (("a", [first]), ("b", [first, second]), ("c", [second])):
        with_bases = [(*part, 10 if part is first else 20) for part in parts]
        docs, positions, df, last = _kernel.concatenate(with_bases, None, 10)
        expected[term] = (term, 99, df, last, docs, positions)
    assert merged == [expected["a"], expected["b"], expected["c"]]
    alive[20] = 0  # the paper of docid 20 is gone: "c" keeps none
    assert [row[0] for row in _kernel.merge_segment_rows(rows, bases, alive, 10, 99)] == ["a", "b"]


def test_a_built_segments_rows_are_slices_of_its_bytes() -> None:
    rows = _kernel.segment_rows(
        ["x", "y"], [1, 2], [0, 3], b"abcde", b"vwxyz", [0, 2], [2, 5], [0, 1], [1, 5], 4, 100
    )
    assert rows == [("x", 4, 1, 100, b"ab", b"v"), ("y", 4, 2, 103, b"cde", b"wxyz")]


def test_top_takes_memory_by_the_candidates_not_by_k() -> None:
    assert [_kernel.heap_size(k, 7) for k in (0, 1, 7, 8, 10**9, sys.maxsize)] == [1, 1, 7, 7, 7, 7]
    assert _kernel.heap_size(10**9, 0) == 1
    candidates = np.array([2, 3, 5, 8], dtype=np.int32)
    scores = np.array([0.5, 2.0, 1.0, 3.0])
    keep = np.ones(4, dtype=np.uint8)
    allowed = np.ones(9, dtype=np.uint8)
    days = np.zeros(9, dtype=np.int32)
    tracemalloc.start()
    try:
        for k in (10**9, sys.maxsize):  # "all of them": 20 GB, or more than can be addressed
            count, docids, best = _kernel.top(
                candidates, scores, keep, allowed, days, -(2**31), 2**31 - 1, k, False
            )
            assert (count, list(docids), list(best)) == (4, [8, 3, 5, 2], [3.0, 2.0, 1.0, 0.5])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def _word_lists(papers: list[list[list[int]]], n_terms: int) -> list[tuple]:
    """Each term's ``(docids, positions, entries)`` of papers given as three word fields
    of term numbers (the stem and body fields left empty), papers numbered from 0."""
    tokens: list[int] = []
    ends: list[int] = []
    for fields in papers:
        for field in fields:
            tokens.extend(field)
            ends.append(len(tokens))
        ends.extend([len(tokens)] * 3)
    docs, positions, doc_offsets, position_offsets, df, _ = _kernel.invert(
        np.arange(len(papers), dtype=np.int32),
        np.asarray(ends, dtype=np.int32),
        np.asarray(tokens, dtype=np.int32),
        n_terms,
    )
    lists = []
    for t in range(n_terms):
        data = positions[position_offsets[t] : position_offsets[t + 1]]
        docids, _ = _kernel.decode(docs[doc_offsets[t] : doc_offsets[t + 1]], int(df[t]), 0)
        lists.append((docids, data, _kernel.position_entries(data, int(df[t]))))
    return lists


def _phrase_counts(fields: list[list[int]], words: list[int], field_mask: int) -> list[int]:
    """How often ``words`` occur in a row in each word field that ``field_mask`` allows."""
    counts = [0] * 6
    for f, field in enumerate(fields):
        if field_mask >> f & 1:
            for start in range(len(field) - len(words) + 1):
                counts[f] += field[start : start + len(words)] == words
    return counts


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.lists(st.integers(0, 3), max_size=150), min_size=3, max_size=3),
        min_size=1,
        max_size=25,
    ),
    st.lists(st.integers(0, 3), min_size=2, max_size=4),
    st.integers(1, 7),
    st.data(),
)
def test_a_phrase_reads_the_positions_of_its_candidates_only_and_finds_every_match(
    papers, words, field_mask, data
) -> None:
    # Fields up to 150 words of 4 terms: a paper's positions of a word may be long (the
    # buffers grow), and a phrase's candidates any subset of the papers holding its words.
    lists = _word_lists(papers, 4)
    candidates = np.asarray(
        sorted(data.draw(st.sets(st.integers(0, len(papers) - 1)))), dtype=np.int32
    )
    docids, tf = _kernel.phrase([lists[w] for w in words], candidates, field_mask)
    expected = {}
    for doc in candidates.tolist():
        counts = _phrase_counts(papers[doc], words, field_mask)
        if any(counts):
            expected[doc] = [min(c, 255) for c in counts]
    assert docids.tolist() == list(expected)
    assert tf.tolist() == list(expected.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=40))
def test_a_list_scored_whole_keeps_its_docids_and_one_scored_in_part_a_copy(rows) -> None:
    docids = np.arange(0, 3 * len(rows), 3, dtype=np.int32)
    tf = np.asarray(rows, dtype=np.uint8)
    lengths = np.full(3 * len(rows), 7.0, dtype=np.float32)
    weights = (0.0, 4.0, 0.0, 1.0, 0.0, 0.5)  # the title, authors and abstract stems weigh 0
    found, scores = _kernel.score_list(docids, tf, weights, 1.5, lengths, 10.0)
    weighted = [sum(w * f for w, f in zip(weights, row, strict=True)) for row in rows]
    expected = [d for d, w in zip(docids.tolist(), weighted, strict=True) if w > 0]
    assert found.tolist() == expected
    norm = 1.2 * (0.25 + 0.75 * 7.0 / 10.0)
    bm25 = [w * 2.2 / (w + norm) * 1.5 for w in weighted if w > 0]
    assert scores.tolist() == bm25
    assert (found is docids) == (len(expected) == len(rows))


def test_a_papers_entry_is_its_positions_length_then_its_positions() -> None:
    # Three papers of three word fields over four terms, one with 150 positions of a term
    # (its length takes two bytes).
    papers = [[[1, 2, 1] * 50, [2], []], [[], [], [3]], [[0] * 200, [1], [1, 1]]]
    lists = _word_lists(papers, 4)
    for docids, data, entries in lists:
        starts, ends = _kernel.position_offsets(data, len(docids))
        for entry, start, end in zip(entries.tolist(), starts.tolist(), ends.tolist(), strict=True):
            assert start - entry == (1 if end - start < 128 else 2)
        assert entries[0] == 0
    docids, data, entries = lists[1]
    with pytest.raises(ValueError, match="shorter"):
        _kernel.position_entries(data[: int(entries[-1])], len(docids))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=40),
    st.integers(1, 3),
)
def test_a_list_scores_the_same_read_through_pointers_or_strides(rows, step) -> None:
    # ``decode``'s arrays are contiguous and read through pointers; any others by strides.
    docids = np.arange(0, 3 * len(rows), 3, dtype=np.int32)
    tf = np.asarray(rows, dtype=np.uint8)
    wide = np.zeros((len(rows), 6 * step), dtype=np.uint8)
    wide[:, ::step] = tf
    lengths = np.arange(1, 2 * len(rows) + 1, dtype=np.float32)  # the last papers unknown
    weights = (2.0, 4.0, 1.0, 1.0, 0.5, 0.5)
    flat = _kernel.score_list(docids, tf, weights, 1.5, lengths, 10.0)
    strided = _kernel.score_list(docids, wide[:, ::step], weights, 1.5, lengths, 10.0)
    assert flat[0].tolist() == strided[0].tolist()
    assert flat[1].tolist() == strided[1].tolist()


def test_a_posting_list_cut_short_is_an_error_not_a_read_past_its_end() -> None:
    docs = bytes([0, 0b100001, 2, 5, 3, 0b000010, 1])  # docids 0 and 3
    docids, tf = _kernel.decode(docs, 2)
    assert docids.tolist() == [0, 3]
    assert tf.tolist() == [[2, 0, 0, 0, 0, 3], [0, 1, 0, 0, 0, 0]]
    for cut in range(1, len(docs)):
        with pytest.raises(ValueError, match="holds"):
            _kernel.decode(docs[:cut], 2)

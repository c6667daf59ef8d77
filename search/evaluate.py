"""A plan evaluated over posting lists: how many papers match, and the best of them (pure).

Scores are BM25 (k1 1.2, b 0.75) over a paper's length in words, with each field's frequency
weighted by the plan's weights; a clause adds the scores of its alternatives that match.
The clause with the fewest postings gives the candidates; the other clauses are looked up
for each candidate (galloping search), so a rare word makes a query cheap however common its
other words are.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np

from search import _kernel
from search.plan import Alternative, Plan

_NO_DOCS = np.empty(0, dtype=np.int32)
_NO_TF = np.empty((0, 6), dtype=np.uint8)
_NO_SCORES = np.empty(0, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class TermList:
    """One term's postings over the whole index: docids ascending, frequencies per field,
    and, when loaded, its positions (bytes, and where each paper's entry starts in them)."""

    docids: np.ndarray
    tf: np.ndarray
    positions: tuple[bytes, np.ndarray] | None = None
    key: Hashable = None  # what identifies these postings in a cache of scores (None: none)

    def __len__(self) -> int:
        return len(self.docids)


EMPTY = TermList(_NO_DOCS, _NO_TF)


@dataclass(frozen=True, slots=True)
class Collection:
    """What scoring and filtering need of every paper, indexed by docid."""

    alive: np.ndarray  # uint8: 1 for an indexed paper
    lengths: np.ndarray  # float32: words in title, abstract and authors
    days: np.ndarray  # int32: publication day, days since 1970-01-01
    count: int
    average_length: float


@dataclass(frozen=True, slots=True)
class Ranking:
    count: int
    docids: list[int]
    scores: list[float]


def _size(alternative: Alternative, lists: Mapping[str, TermList]) -> int:
    sizes = [len(lists.get(w, EMPTY)) for w in alternative.words]
    return min(sizes) if alternative.is_phrase else sizes[0]


def _idf(alternative: Alternative, lists: Mapping[str, TermList], n: int) -> float:
    return sum(_kernel.idf(len(lists.get(w, EMPTY)), n) for w in alternative.words)


def _phrase_list(
    alternative: Alternative,
    lists: Mapping[str, TermList],
    within: np.ndarray | None = None,
) -> TermList:
    words = [lists.get(w, EMPTY) for w in alternative.words]
    if any(w.positions is None for w in words) or not all(len(w) for w in words):
        return EMPTY
    candidates = min(words, key=len).docids if within is None else within
    for word in sorted(words, key=len):
        candidates = _kernel.intersect(candidates, word.docids)
        if not len(candidates):
            return EMPTY
    docids, tf = _kernel.phrase(
        [(w.docids, *w.positions) for w in words], candidates, alternative.phrase_fields
    )
    return TermList(docids, tf)


Scores = tuple[np.ndarray, np.ndarray]


def _weighting(alternative: Alternative, weight: float, collection: Collection) -> tuple:
    """What the kernel scores a list with, after the list itself."""
    return alternative.weights, weight, collection.lengths, collection.average_length


def _score(
    found: TermList, alternative: Alternative, weight: float, collection: Collection
) -> Scores:
    return _kernel.score_list(found.docids, found.tf, *_weighting(alternative, weight, collection))


def _scored(
    alternative: Alternative,
    lists: Mapping[str, TermList],
    collection: Collection,
    memo: MutableMapping[Hashable, Scores] | None,
) -> Scores:
    found = (
        _phrase_list(alternative, lists)
        if alternative.is_phrase
        else lists.get(alternative.words[0], EMPTY)
    )
    if not len(found):
        return _NO_DOCS, _NO_SCORES
    key = None
    if memo is not None and found.key is not None:
        key = (found.key, alternative.weights, collection.count, collection.average_length)
        known = memo.get(key)
        if known is not None:
            return known
    scored = _score(found, alternative, _idf(alternative, lists, collection.count), collection)
    if memo is not None and key is not None:
        memo[key] = scored
    return scored


def _look_up(
    alternative: Alternative,
    lists: Mapping[str, TermList],
    collection: Collection,
    candidates: np.ndarray,
    scores: np.ndarray,
    hits: np.ndarray,
) -> None:
    weight = _idf(alternative, lists, collection.count)
    if alternative.is_phrase:
        found = _phrase_list(alternative, lists, within=candidates)
        if len(found):
            docids, found_scores = _score(found, alternative, weight, collection)
            _kernel.accumulate_scored(candidates, scores, hits, docids, found_scores)
        return
    found = lists.get(alternative.words[0], EMPTY)
    if len(found):
        _kernel.accumulate(
            candidates,
            scores,
            hits,
            found.docids,
            found.tf,
            *_weighting(alternative, weight, collection),
        )


def evaluate(
    plan: Plan,
    lists: Mapping[str, TermList],
    collection: Collection,
    *,
    k: int,
    allowed: np.ndarray | None = None,
    day_from: int = -(2**31),
    day_until: int = 2**31 - 1,
    by_date: bool = False,
    memo: MutableMapping[Hashable, Scores] | None = None,
) -> Ranking:
    """The number of papers matching ``plan`` among the ``allowed`` ones (default: every
    indexed paper) published within the days, and the best ``k``, best first (by score, or by
    day with ``by_date``; ties: the most recently indexed first). Memory goes by the
    candidates, whatever ``k``: a ``k`` above their number means all of them.

    ``memo`` keeps the scores of whole posting lists (those with a ``key``) for the next
    evaluations over the same collection."""
    sizes = [sum(_size(a, lists) for a in clause) for clause in plan.clauses]
    order = sorted(range(len(plan.clauses)), key=sizes.__getitem__)
    driver = plan.clauses[order[0]]
    scored = [_scored(alternative, lists, collection, memo) for alternative in driver]
    if len(scored) == 1:
        candidates, scores = scored[0]
        if len(order) > 1:  # the other clauses add to the scores, which the memo may hold
            scores = scores.copy()
    else:  # union's arrays are new
        candidates, scores = _NO_DOCS, _NO_SCORES
        for docids, found in scored:
            candidates, scores = _kernel.union(candidates, scores, docids, found)
    if not len(candidates):
        return Ranking(0, [], [])
    keep = np.ones(len(candidates), dtype=np.uint8)
    for index in order[1:]:
        hits = np.zeros(len(candidates), dtype=np.uint8)
        for alternative in plan.clauses[index]:
            _look_up(alternative, lists, collection, candidates, scores, hits)
        keep &= hits
    for alternative in plan.excluded:
        hits = np.zeros(len(candidates), dtype=np.uint8)
        _look_up(alternative, lists, collection, candidates, np.zeros(len(candidates)), hits)
        keep &= hits ^ 1
    count, docids, best = _kernel.top(
        candidates,
        scores,
        keep,
        collection.alive if allowed is None else allowed,
        collection.days,
        day_from,
        day_until,
        _kernel.heap_size(k, len(candidates)),
        by_date,
    )
    return Ranking(int(count), [int(d) for d in docids], [float(s) for s in best])


def collection_of(
    docids: Sequence[int], lengths: Sequence[float], days: Sequence[int]
) -> Collection:
    """A collection of these papers (for tests and one-off evaluations)."""
    size = (max(docids) + 1) if docids else 1
    alive = np.zeros(size, dtype=np.uint8)
    length = np.zeros(size, dtype=np.float32)
    day = np.zeros(size, dtype=np.int32)
    alive[list(docids)] = 1
    length[list(docids)] = lengths
    day[list(docids)] = days
    count = len(docids)
    average = float(np.mean(lengths)) if count else 1.0
    return Collection(alive, length, day, count, max(average, 1.0))

"""The pure-Python segmenter: the reference that the compiled one must match token for token.

Pieces are found with an Aho-Corasick automaton over the latin-1 view of the bytes (one character
per byte, so the ordinary str-mode pyahocorasick wheel matches bytes and its offsets are byte
offsets), or with a plain dict scan when pyahocorasick is missing. Both report the matches in the
same order: by end position, then longest first. That order decides ties (the first-found, i.e.
longest, piece wins) and the order in which sampling draws random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Protocol

from tokenizer.model import NotSegmentable
from tokenizer.rng import SplitMix64
from tokenizer.text import LINE_CHUNKS

try:
    import ahocorasick
except ImportError:  # pragma: no cover - exercised through the dict matcher directly
    ahocorasick = None

NEG_INF = -math.inf
Match = tuple[int, tuple[int, float, int]]  # (index of the last byte, (length, log p, id))


class DictMatcher:
    """All pieces in ``text[lo:hi]`` by scanning every window: slow but dependency-free."""

    def __init__(self, entries: Mapping[str, tuple[int, float, int]]) -> None:
        self._entries = dict(entries)
        self._max_len = max(map(len, self._entries), default=1)

    def iter(self, text: str, lo: int, hi: int) -> Iterator[Match]:
        entries, max_len = self._entries, self._max_len
        for end in range(lo + 1, hi + 1):
            for start in range(max(lo, end - max_len), end):
                value = entries.get(text[start:end])
                if value is not None:
                    yield end - 1, value


class _Automaton(Protocol):
    """The part of ``ahocorasick.Automaton`` used here (pyahocorasick ships no types)."""

    def add_word(self, key: str, value: tuple[int, float, int], /) -> bool: ...

    def make_automaton(self) -> None: ...

    def iter(self, string: str, start: int, end: int, /) -> Iterator[Match]: ...


class AutomatonMatcher:
    """All pieces in ``text[lo:hi]`` from a pyahocorasick automaton over latin-1 strings."""

    def __init__(self, entries: Mapping[str, tuple[int, float, int]]) -> None:
        self._automaton: _Automaton = ahocorasick.Automaton()
        for key, value in entries.items():
            self._automaton.add_word(key, value)
        self._automaton.make_automaton()

    def iter(self, text: str, lo: int, hi: int) -> Iterator[Match]:
        return self._automaton.iter(text, lo, hi)


def logsumexp(x: float, y: float) -> float:
    if x < y:
        x, y = y, x
    return x + math.log1p(math.exp(y - x))


class PureSegmenter:
    """Viterbi decoding (``alpha < 0``) or exact sampling (``alpha >= 0``) over piece matches."""

    def __init__(
        self, ids: Mapping[bytes, int], log_probs: Mapping[bytes, float], *, automaton: bool = True
    ) -> None:
        entries = {
            piece.decode("latin-1"): (len(piece), log_probs[piece], ids[piece]) for piece in ids
        }
        use_automaton = automaton and ahocorasick is not None
        self._matcher = AutomatonMatcher(entries) if use_automaton else DictMatcher(entries)

    def spans(
        self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True
    ) -> tuple[list[int], list[int]]:
        """Piece ids and the end offset (in ``data``) of each piece."""
        text = data.decode("latin-1")
        ids: list[int] = []
        ends: list[int] = []
        if lines:
            for match in LINE_CHUNKS.finditer(text):
                self._chunk(text, match.start(), match.end(), alpha, rng, ids, ends)
        elif text:
            self._chunk(text, 0, len(text), alpha, rng, ids, ends)
        return ids, ends

    def ids(self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True) -> list[int]:
        return self.spans(data, alpha, rng, lines)[0]

    def pieces(self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True) -> list[bytes]:
        _, ends = self.spans(data, alpha, rng, lines)
        return [data[start:end] for start, end in zip([0, *ends], ends, strict=False)]

    def _chunk(
        self,
        text: str,
        lo: int,
        hi: int,
        alpha: float,
        rng: SplitMix64,
        ids: list[int],
        ends: list[int],
    ) -> None:
        size = hi - lo
        scores = [0.0] + [NEG_INF] * size
        routes = list(range(size + 1))
        pids = [-1] * (size + 1)
        matches = self._matcher.iter(text, lo, hi)
        if alpha < 0:
            for last, (length, logp, pid) in matches:
                end = last + 1 - lo
                start = end - length
                score = scores[start] + logp
                if score > scores[end]:
                    scores[end], routes[end], pids[end] = score, start, pid
        else:
            for last, (length, logp, pid) in matches:
                end = last + 1 - lo
                start = end - length
                score = scores[start] + alpha * logp
                total = scores[end]
                if total == NEG_INF:
                    # The first candidate is taken with probability 1: no draw.
                    scores[end], routes[end], pids[end] = score, start, pid
                    continue
                total = scores[end] = logsumexp(total, score)
                if rng.random() < math.exp(score - total):
                    routes[end], pids[end] = start, pid
        if scores[size] == NEG_INF:
            raise NotSegmentable("the vocabulary cannot segment this text")
        chunk_ids: list[int] = []
        chunk_ends: list[int] = []
        end = size
        while end > 0:
            chunk_ids.append(pids[end])
            chunk_ends.append(end + lo)
            end = routes[end]
        ids.extend(reversed(chunk_ids))
        ends.extend(reversed(chunk_ends))

"""The byte n-gram language model (BNLM) that training segments text with, in pure Python.

Counting: every k-gram (k = 1..order) inside each chunk, plus the number of bytes; bytes never
seen count 1. Pruning keeps k-grams (k >= 2) seen at least ``min_count`` times, and turns counts
into conditional log-probabilities ``log #(prefix + c) - log #(prefix)``.

Tagging: each byte gets a state j = number of previous bytes of its piece (capped at order - 1);
a byte in state j scores the (j+1)-gram log-probability of it given those bytes; from state j
the next byte goes to state 0 (new piece) or min(j + 1, order - 1), at no cost. Viterbi finds the
best states, and pieces start at the bytes in state 0. With ``ensure_unicode``, UTF-8
continuation bytes may not start a piece. Ties go to the lowest state, as numpy's argmax does.

``tokenizer._fast`` has the compiled twins (``NgramCounter``, ``NgramTagger``); both give the
same floats and the same pieces.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

NEG_INF = -math.inf


class PureNgramCounter:
    """Counts of the k-grams (k = 0..order; the 0-gram count is the number of bytes)."""

    def __init__(self, order: int) -> None:
        self.order = order
        self.counts: list[dict[bytes, int]] = [{} for _ in range(order + 1)]
        self.counts[0][b""] = 0

    def add(self, chunks: Iterable[bytes]) -> None:
        counts = self.counts
        for chunk in chunks:
            size = len(chunk)
            counts[0][b""] += size
            for k in range(1, self.order + 1):
                table = counts[k]
                for i in range(size - k + 1):
                    gram = chunk[i : i + k]
                    table[gram] = table.get(gram, 0) + 1

    def count_level(
        self, chunks: Iterable[bytes], k: int, known: PureNgramCounter | None = None
    ) -> None:
        """Count the k-grams whose (k-1)-byte prefix and suffix are in ``known`` (this counter by
        default): a k-gram is never more frequent than those, so after ``prune`` no k-gram that
        could be kept is missed, and far fewer are held."""
        below = (known or self).counts[k - 1]
        table = self.counts[k]
        for chunk in chunks:
            if k == 1:
                self.counts[0][b""] += len(chunk)
            for i in range(len(chunk) - k + 1):
                gram = chunk[i : i + k]
                if k > 2 and (gram[:-1] not in below or gram[1:] not in below):
                    continue
                table[gram] = table.get(gram, 0) + 1

    def prune(self, min_count: int) -> None:
        """Drop the n-grams of two bytes or more seen fewer than ``min_count`` times."""
        for k in range(2, self.order + 1):
            self.counts[k] = {g: c for g, c in self.counts[k].items() if c >= min_count}

    def merge(self, other: PureNgramCounter) -> None:
        for mine, theirs in zip(self.counts, other.counts, strict=True):
            for gram, count in theirs.items():
                mine[gram] = mine.get(gram, 0) + count

    def tagger(self, min_count: int, ensure_unicode: bool) -> PureNgramTagger:
        """The tagger for these counts (the counts themselves are left as they are)."""
        counts = [dict(table) for table in self.counts]
        for byte in range(256):
            if bytes([byte]) not in counts[1]:
                counts[1][bytes([byte])] = 1
                counts[0][b""] += 1
        logs = [
            {
                gram: math.log(float(count))
                for gram, count in table.items()
                if count >= (min_count if k > 1 else 0)
            }
            for k, table in enumerate(counts)
        ]
        log_probs: list[dict[bytes, float]] = [{}] + [
            {gram: value - logs[k - 1][gram[:-1]] for gram, value in logs[k].items()}
            for k in range(1, self.order + 1)
        ]
        return PureNgramTagger(log_probs, self.order, ensure_unicode)


class PureNgramTagger:
    """Segments chunks into pieces with the n-gram model (see the module docstring)."""

    def __init__(
        self, log_probs: list[dict[bytes, float]], order: int, ensure_unicode: bool
    ) -> None:
        self.log_probs = log_probs
        self.order = order
        self.ensure_unicode = ensure_unicode

    def emissions(self, chunk: bytes) -> list[list[float]]:
        order, log_probs = self.order, self.log_probs
        nodes = []
        tables = list(enumerate(log_probs[1:]))
        for i, byte in enumerate(chunk):
            row = [NEG_INF] * order
            for j, table in tables[: i + 1]:
                row[j] = table.get(chunk[i - j : i + 1], NEG_INF)
            if self.ensure_unicode and 0x80 <= byte < 0xC0:
                row[0] = NEG_INF
            nodes.append(row)
        return nodes

    def tag(self, chunk: bytes) -> list[bytes]:
        if not chunk:
            return []
        order = self.order
        top = order - 1
        nodes = self.emissions(chunk)
        prev = nodes[0]
        routes: list[list[int]] = []
        # The argmax over previous states p of prev[p] + node[j], over the allowed moves only
        # (p -> 0 for any p; p -> min(p + 1, top)); when every allowed sum is -inf, numpy's argmax
        # over the full column (disallowed moves count -inf) gives 0.
        for node in nodes[1:]:
            head = node[0]
            column = [score + head for score in prev]
            best = max(column)
            scores = [best] + [NEG_INF] * top
            route = [column.index(best)] + [0] * top
            for j in range(1, top):
                score = prev[j - 1] + node[j]
                if score != NEG_INF:
                    scores[j], route[j] = score, j - 1
            if top:
                below, stay = prev[top - 1] + node[top], prev[top] + node[top]
                if stay > below:
                    scores[top], route[top] = stay, top
                elif below != NEG_INF:
                    scores[top], route[top] = below, top - 1
            routes.append(route)
            prev = scores
        state = max(range(order), key=lambda j: (prev[j], -j))  # the first best, as argmax
        states = [state]
        for route in reversed(routes):
            state = route[state]
            states.append(state)
        states.reverse()
        cuts = [i for i, s in enumerate(states) if s == 0] + [len(chunk)]
        return [chunk[start:end] for start, end in itertools.pairwise(cuts)]

    def count_pieces(self, chunks: Iterable[bytes]) -> dict[bytes, int]:
        pieces: dict[bytes, int] = {}
        for chunk in chunks:
            for piece in self.tag(chunk):
                pieces[piece] = pieces.get(piece, 0) + 1
        return pieces

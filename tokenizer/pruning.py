"""Turning counted pieces into a vocabulary, as the original trainer does.

1. every single byte is a piece (count 1 when never seen);
2. pieces longer than ``max_piece_length`` or seen fewer than ``min_count`` times are split by a
   tokenizer of the kept pieces, and their counts go to the pieces they split into;
3. every kept piece is re-split by a tokenizer of the kept pieces until the number of pieces is
   stable: a piece that Viterbi would never produce (``p(a)p(b) > p(ab)``) is wasted and goes;
4. for each vocabulary size, when there are too many pieces, keep the single bytes and then the
   most frequent (longest on ties), split the others into those, and repeat step 3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from tokenizer.model import SPECIALS, dump_model
from tokenizer.tokenizer import Tokenizer

Progress = Callable[[str, int], None]


def split_pieces(
    keep: dict[bytes, int], drop: Iterable[tuple[bytes, int]], backend: str | None
) -> dict[bytes, int]:
    """Counts of the pieces that ``drop`` splits into with a tokenizer of ``keep``."""
    segment = Tokenizer(dump_model(keep), seed=0, backend=backend).segment
    counter: dict[bytes, int] = {}
    for piece, count in drop:
        for part in segment(piece):
            counter[part] = counter.get(part, 0) + count
    return counter


def drop_wasted(pieces: dict[bytes, int], backend: str | None) -> dict[bytes, int]:
    while True:
        size = len(pieces)
        pieces = split_pieces(pieces, pieces.items(), backend)
        if len(pieces) == size:
            return pieces


def prune_pieces(
    pieces: dict[bytes, int],
    *,
    min_count: int,
    max_piece_length: int,
    max_vocab_sizes: Sequence[int],
    backend: str | None = None,
) -> list[dict[bytes, int]]:
    """One vocabulary (piece -> count) per size in ``max_vocab_sizes`` (largest first)."""
    pieces = dict(pieces)
    for byte in range(256):
        pieces.setdefault(bytes([byte]), 1)
    keep: dict[bytes, int] = {}
    drop: dict[bytes, int] = {}
    for piece, count in pieces.items():
        if len(piece) == 1 or (len(piece) <= max_piece_length and count >= min_count):
            keep[piece] = count
        else:
            drop[piece] = count
    for piece, count in split_pieces(keep, drop.items(), backend).items():
        keep[piece] += count
    keep = drop_wasted(keep, backend)

    vocabularies = []
    for max_vocab_size in max_vocab_sizes:
        limit = max_vocab_size - len(SPECIALS)
        if len(keep) > limit:
            ranked = sorted(
                keep.items(), key=lambda item: (len(item[0]) > 1, -item[1], -len(item[0]), item[0])
            )
            keep = dict(ranked[:limit])
            for piece, count in split_pieces(keep, ranked[limit:], backend).items():
                keep[piece] += count
            keep = drop_wasted(keep, backend)
        vocabularies.append(keep)
    return vocabularies

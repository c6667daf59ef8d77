"""Types of the compiled hot loops of the tokenizer (``tokenizer/_fast.pyx``).

Each class computes what its pure-Python twin computes: ``Segmenter`` is
``tokenizer.pure.PureSegmenter``, ``NgramCounter`` and ``NgramTagger`` are
``tokenizer.bnlm.PureNgramCounter`` and ``PureNgramTagger``.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Self

from typing_extensions import disjoint_base

from tokenizer.rng import SplitMix64

@disjoint_base
class Segmenter:
    """A double-array trie of the reversed pieces, walked back from each end position."""

    def __init__(self, ids: Mapping[bytes, int], log_probs: Mapping[bytes, float]) -> None: ...
    def ids(self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True) -> list[int]: ...
    def pieces(
        self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True
    ) -> list[bytes]: ...
    def spans(
        self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True
    ) -> tuple[list[int], list[int]]: ...

@disjoint_base
class NgramCounter:
    """Counts of every k-gram (k = 1..order <= 15) in an open-addressing hash table."""

    @property
    def order(self) -> int: ...
    @property
    def total(self) -> int: ...
    def __new__(cls, order: int) -> Self: ...
    def add(self, chunks: Iterable[bytes]) -> None: ...
    def count_level(
        self, chunks: Iterable[bytes], k: int, known: NgramCounter | None = None
    ) -> None: ...
    def prune(self, min_count: int) -> None: ...
    def merge(self, other: NgramCounter) -> None: ...
    def __len__(self) -> int: ...
    def items(self) -> list[tuple[bytes, int]]: ...
    def __reduce__(
        self,
    ) -> tuple[Callable[..., NgramCounter], tuple[int, int, list[tuple[bytes, int]]]]: ...
    def tagger(self, min_count: int, ensure_unicode: bool) -> NgramTagger: ...

def _rebuild_counter(order: int, total: int, items: list[tuple[bytes, int]]) -> NgramCounter: ...

@disjoint_base
class NgramTagger:
    """Segments chunks with the byte n-gram model: Viterbi over per-byte states.

    Made by ``NgramCounter.tagger``; one constructed directly has no model.
    """

    def tag(self, chunk: bytes) -> list[bytes]: ...
    def count_pieces(self, chunks: Iterable[bytes]) -> dict[bytes, int]: ...

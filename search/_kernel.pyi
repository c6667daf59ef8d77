"""Types of the compiled core of the index (``search/_kernel.pyx``).

Posting lists travel as ``bytes``; arrays are numpy arrays of the dtype the kernel reads or
writes (the ``int32_t[:]``-style views of the source): ``docids`` int32, term frequencies
uint8 ``[n, 6]`` (title, abstract, authors, title stems, abstract stems, body), scores float64,
paper lengths float32, flags uint8 (0 or 1), position offsets uint32.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

_Int32s: TypeAlias = npt.NDArray[np.int32]
_Int64s: TypeAlias = npt.NDArray[np.int64]
_UInt8s: TypeAlias = npt.NDArray[np.uint8]
_UInt32s: TypeAlias = npt.NDArray[np.uint32]
_Float32s: TypeAlias = npt.NDArray[np.float32]
_Float64s: TypeAlias = npt.NDArray[np.float64]
_Scalar = TypeVar("_Scalar", bound=np.generic)

# The six fields' weights: title, abstract, authors, title stems, abstract stems, body.
_Weights: TypeAlias = Sequence[float]
# ``(term, segment, docs, positions)``
_SegmentRow: TypeAlias = tuple[str, int, bytes, bytes]
# ``(term, segment, df, last docid, docs, positions)``
_MergedRow: TypeAlias = tuple[str, int, int, int, bytes, bytes]
# A word of a phrase: ``(docids, positions bytes, starts, ends)``
_PhraseWord: TypeAlias = tuple[npt.ArrayLike, bytes, npt.ArrayLike]

class _Vocabulary(Protocol):
    """What ``number_paper`` reads and grows (``search.segments.Vocabulary``)."""

    numbers: dict[str, int]
    terms: list[str]
    stems: npt.NDArray[np.int32]  # [n_terms, 2]: -2 not known yet, -1 none
    marks: npt.NDArray[np.int32]
    stamp: int

# building

def invert(
    docids: _Int32s, field_ends: _Int32s, tokens: _Int32s, n_terms: int
) -> tuple[bytes, bytes, _Int64s, _Int64s, _Int64s, _Int64s]:
    """``(docs, positions, doc_offsets, position_offsets, df, last)`` of a batch of papers."""

def concatenate(
    parts: list[tuple[bytes, bytes, int]], alive: _UInt8s | None = None, base: int = 0
) -> tuple[bytes, bytes, int, int]:
    """``(docs, positions, df, last)``: one posting list from ``(docs, positions, base)``."""

# reading

def decode(data: bytes, df: int, base: int = 0) -> tuple[_Int32s, _UInt8s]:
    """``(docids int32[df], frequencies uint8[df, 6])`` of a posting list's bytes."""

def position_offsets(data: bytes, df: int) -> tuple[_UInt32s, _UInt32s]:
    """Where each paper's positions start and end in a positions list."""

def position_entries(data: bytes, df: int) -> _UInt32s:
    """Where each paper's entry (its positions' byte length, then them) starts."""

# scoring

def idf(df: int, n: int) -> float: ...
def score_list(
    docids: _Int32s,
    tf: _UInt8s,
    weights: _Weights,
    idf_weight: float,
    lengths: _Float32s,
    average: float,
) -> tuple[_Int32s, _Float64s]:
    """``(docids, scores)`` of the papers whose weighted frequency is not 0 (``docids``
    itself when that is all of them)."""

def union(
    a_docids: _Int32s, a_scores: _Float64s, b_docids: _Int32s, b_scores: _Float64s
) -> tuple[_Int32s, _Float64s]: ...
def accumulate(
    candidates: _Int32s,
    scores: _Float64s,
    hits: _UInt8s,
    docids: _Int32s,
    tf: _UInt8s,
    weights: _Weights,
    idf_weight: float,
    lengths: _Float32s,
    average: float,
) -> None:
    """Adds to ``scores`` and sets ``hits`` in place."""

def accumulate_scored(
    candidates: _Int32s,
    scores: _Float64s,
    hits: _UInt8s,
    docids: _Int32s,
    list_scores: _Float64s,
) -> None:
    """Adds to ``scores`` and sets ``hits`` in place."""

def intersect(a: _Int32s, b: _Int32s) -> _Int32s: ...
def phrase(
    words: list[_PhraseWord], candidates: _Int32s, field_mask: int
) -> tuple[_Int32s, _UInt8s]:
    """``(docids, frequencies uint8[n, 6])`` of the candidates holding the phrase."""

def heap_size(k: int, candidates: int) -> int:
    """How many places the top-k heap needs for ``k`` of ``candidates``."""

def top(
    candidates: _Int32s,
    scores: _Float64s,
    keep: _UInt8s,
    allowed: _UInt8s,
    days: _Int32s,
    day_from: int,
    day_until: int,
    k: int,
    by_date: bool,
) -> tuple[int, _Int32s, _Float64s]:
    """``(count, docids, scores)``: how many qualify and the best ``k``, best first."""

# numbering terms

def _grown(array: npt.NDArray[_Scalar], size: int, fill: float) -> npt.NDArray[_Scalar]: ...
def number_paper(
    vocabulary: _Vocabulary,
    stem_terms: Callable[[str], Iterable[str]],
    title: str | list[str],
    abstract: str | list[str],
    authors: str | list[str],
    body: str | list[str] | None = None,
) -> tuple[_Int32s, tuple[int, int, int, int, int, int], bytes]:
    """A paper's terms as numbers, the ends of its six fields, and its words joined (each
    field an ASCII text or its words)."""

def segment_rows(
    terms: list[str],
    df: list[int],
    last: list[int],
    docs: bytes,
    positions: bytes,
    doc_starts: list[int],
    doc_ends: list[int],
    position_starts: list[int],
    position_ends: list[int],
    segment: int,
    first: int,
) -> list[_MergedRow]:
    """``(term, segment, df, last docid, docs, positions)`` of each list of a built segment."""

def merge_segment_rows(
    rows: list[_SegmentRow], bases: dict[int, int], alive: _UInt8s, base: int, segment: int
) -> list[_MergedRow]:
    """``(term, segment, df, last docid, docs, positions)`` of each term still holding a
    paper: ``rows`` grouped by term, ``bases`` each segment's first docid."""

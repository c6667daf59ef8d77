"""Papers to posting lists (pure: no database).

The index is a set of immutable segments, each holding the posting lists of the papers of one
write (see ``search._kernel`` for their bytes). Papers have a ``docid`` that is never reused:
a paper whose terms change gets a new one, so a segment never changes, and merging
neighbouring segments only concatenates their lists and drops the papers gone since.

A paper's terms are its words and stems (``search.analysis``), numbered in a ``Vocabulary``
shared by the papers of one segment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np

from search import _kernel
from search.analysis import Analyzer, IndexedDocument
from search.documents import PaperText

EPOCH = dt.date(1970, 1, 1)


def day_number(moment: dt.datetime | dt.date | None) -> int:
    """Days since 1970-01-01 (0 when unknown)."""
    if moment is None:
        return 0
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return (day - EPOCH).days


@dataclass(slots=True)
class Vocabulary:
    """Term -> number, growing as papers are analyzed."""

    numbers: dict[str, int] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)

    def number(self, term: str) -> int:
        found = self.numbers.get(term)
        if found is None:
            found = self.numbers[term] = len(self.terms)
            self.terms.append(term)
        return found

    def numbers_of(self, text: str) -> list[int]:
        terms = text.split()
        found = list(map(self.numbers.get, terms))
        if None in found:
            number = self.number
            found = [number(term) for term in terms]
        return found  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class AnalyzedPaper:
    """A paper ready to index: its terms as numbers, field after field (title, abstract,
    authors words, then title and abstract stems), where each field ends, a digest of its
    terms and day (a paper whose digest is unchanged is left as it is), its length in words
    and its publication day."""

    paper_id: str
    digest: bytes
    length: int
    day: int
    tokens: np.ndarray  # int32
    ends: tuple[int, int, int, int, int]


def digest_of(document: IndexedDocument, day: int) -> bytes:
    hasher = hashlib.blake2b(digest_size=12)
    for part in document.as_row():
        hasher.update(part.encode("utf-8"))
        hasher.update(b"\x1e")
    hasher.update(str(day).encode())
    return hasher.digest()


def analyze(analyzer: Analyzer, vocabulary: Vocabulary, text: PaperText) -> AnalyzedPaper:
    document = analyzer.document(text.title, text.abstract, text.authors)
    day = day_number(text.published)
    parts = [vocabulary.numbers_of(part) for part in document.as_row()]
    numbers = [n for part in parts for n in part]
    ends = list(accumulate(len(part) for part in parts))
    length = ends[2]  # the words of title, abstract and authors
    return AnalyzedPaper(
        text.id,
        digest_of(document, day),
        length,
        day,
        np.asarray(numbers, dtype=np.int32),
        (ends[0], ends[1], ends[2], ends[3], ends[4]),
    )


@dataclass(frozen=True, slots=True)
class PostingRow:
    """One term's posting list in one segment (docids relative to its first)."""

    term: str
    df: int
    last: int  # the last paper's number in the segment
    docs: bytes
    positions: bytes


@dataclass(frozen=True, slots=True)
class IndexedPaper:
    paper_id: str
    digest: bytes
    length: int
    day: int


@dataclass(frozen=True, slots=True)
class BuiltSegment:
    """The posting lists of papers numbered 0, 1, ... in the order of ``papers``: written
    with docids ``first + number``. Compact, to travel between processes."""

    papers: list[IndexedPaper]
    terms: list[str]
    df: list[int]
    last: list[int]
    docs: bytes
    positions: bytes
    doc_offsets: list[int]
    position_offsets: list[int]

    def rows(self) -> list[PostingRow]:
        docs, positions = self.docs, self.positions
        doc_at, position_at = self.doc_offsets, self.position_offsets
        return [
            PostingRow(
                term,
                self.df[i],
                self.last[i],
                docs[doc_at[i] : doc_at[i + 1]],
                positions[position_at[i] : position_at[i + 1]],
            )
            for i, term in enumerate(self.terms)
        ]


def build_segment(papers: Sequence[AnalyzedPaper], vocabulary: Vocabulary) -> BuiltSegment:
    """The posting lists of these papers, numbered in their order."""
    listed = [IndexedPaper(p.paper_id, p.digest, p.length, p.day) for p in papers]
    if not papers:
        return BuiltSegment(listed, [], [], [], b"", b"", [0], [0])
    numbers = np.arange(len(papers), dtype=np.int32)
    tokens = np.concatenate([p.tokens for p in papers])
    ends = np.asarray([p.ends for p in papers], dtype=np.int64)
    sizes = np.asarray([len(p.tokens) for p in papers], dtype=np.int64)
    ends += (np.cumsum(sizes) - sizes)[:, None]
    docs, positions, doc_offsets, position_offsets, df, last = _kernel.invert(
        numbers, ends.astype(np.int32).ravel(), tokens, len(vocabulary.terms)
    )
    used = np.flatnonzero(df)
    # Terms held by none of these papers (numbered for others) have empty lists: drop them.
    keep_docs = np.append(doc_offsets[used], doc_offsets[-1])
    keep_positions = np.append(position_offsets[used], position_offsets[-1])
    return BuiltSegment(
        listed,
        [vocabulary.terms[t] for t in used.tolist()],
        df[used].tolist(),
        last[used].tolist(),
        docs,
        positions,
        keep_docs.tolist(),
        keep_positions.tolist(),
    )


def concatenate(
    parts: Iterable[tuple[bytes, bytes, int]], alive: np.ndarray | None = None, base: int = 0
) -> tuple[bytes, bytes, int, int]:
    """One posting list from lists of neighbouring segments, oldest first, each
    ``(docs, positions, first docid)``, without the papers whose ``alive[docid]`` is 0,
    relative to ``base``: ``(docs, positions, df, last docid)``."""
    return _kernel.concatenate(list(parts), alive, base)

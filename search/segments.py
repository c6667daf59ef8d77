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
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from search import _kernel
from search.analysis import Analyzer
from search.documents import PaperText
from search.text import words

EPOCH = dt.date(1970, 1, 1)


def day_number(moment: dt.datetime | dt.date | str | None) -> int:
    """Days since 1970-01-01 (0 when unknown); text as SQLite holds it (``2025-01-02 ...``)."""
    if not moment:
        return 0
    if isinstance(moment, str):
        try:
            moment = dt.date.fromisoformat(moment[:10])
        except ValueError:
            return 0
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return (day - EPOCH).days


@dataclass(slots=True)
class Vocabulary:
    """Term -> number, growing as papers are analyzed."""

    numbers: dict[str, int] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    # By term number: the (up to two) stem terms of a word (-2: not known yet, -1: none),
    # and marks to keep each stem once in a field.
    stems: np.ndarray = field(default_factory=lambda: np.full((0, 2), -2, dtype=np.int32))
    marks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    stamp: int = 0


@dataclass(frozen=True, slots=True)
class AnalyzedPaper:
    """A paper ready to index: its terms as numbers, field after field (title, abstract,
    authors words, then title and abstract stems, then the body's words), where each field
    ends, a digest of its terms and day (a paper whose digest is unchanged is left as it is),
    its length in words (title, abstract and authors: the body is scored apart, see
    ``search._kernel``) and its publication day."""

    paper_id: str
    digest: bytes
    length: int
    day: int
    tokens: np.ndarray  # int32
    ends: tuple[int, int, int, int, int, int]


def _field(text: str) -> str | list[str]:
    """A field as the kernel numbers it: an ASCII text as it is (the kernel reads its words),
    any other as its words."""
    return text if text.isascii() else words(text)


def analyze(analyzer: Analyzer, vocabulary: Vocabulary, text: PaperText) -> AnalyzedPaper:
    """A paper's terms (``search.analysis``) numbered in the vocabulary. The digest covers
    its words and day: the stems follow from the words, for one tokenizer model. A paper
    without a body keeps the digest it had before bodies were indexed."""
    names = " ".join(text.authors)
    if names.isascii():  # a space separates words: the names' words, in order
        authors: str | list[str] = names
    else:
        authors = [w for name in text.authors for w in words(name)]
    day = day_number(text.published)
    numbers, ends, joined = _kernel.number_paper(
        vocabulary,
        analyzer.stem_terms,
        _field(text.title or ""),
        _field(text.abstract or ""),
        authors,
        _field(text.body) if text.body else [],
    )
    digest = hashlib.blake2b(joined + str(day).encode(), digest_size=12).digest()
    return AnalyzedPaper(text.id, digest, ends[2], day, numbers, ends)


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
    """The posting lists of papers numbered 0, 1, ... in the order of ``papers``, written
    with docids ``first + number``; term by term in term order, each list's bytes from its
    starts to its ends in ``docs`` and ``positions``. Compact, to travel between processes."""

    papers: list[IndexedPaper]
    terms: list[str]
    df: list[int]
    last: list[int]
    docs: bytes
    positions: bytes
    doc_starts: list[int]
    position_starts: list[int]
    doc_ends: list[int]
    position_ends: list[int]

    def table_rows(self, segment: int, first: int) -> list[tuple]:
        """``(term, segment, df, last docid, docs, positions)`` of each list, written with
        docids from ``first``."""
        return _kernel.segment_rows(
            self.terms,
            self.df,
            self.last,
            self.docs,
            self.positions,
            self.doc_starts,
            self.doc_ends,
            self.position_starts,
            self.position_ends,
            segment,
            first,
        )

    def rows(self) -> list[PostingRow]:
        return [PostingRow(t, df, last, d, p) for t, _, df, last, d, p in self.table_rows(0, 0)]


def build_segment(papers: Sequence[AnalyzedPaper], vocabulary: Vocabulary) -> BuiltSegment:
    """The posting lists of these papers, numbered in their order."""
    listed = [IndexedPaper(p.paper_id, p.digest, p.length, p.day) for p in papers]
    if not papers:
        return BuiltSegment(listed, [], [], [], b"", b"", [], [], [], [])
    numbers = np.arange(len(papers), dtype=np.int32)
    tokens = np.concatenate([p.tokens for p in papers])
    ends = np.asarray([p.ends for p in papers], dtype=np.int64)
    sizes = np.asarray([len(p.tokens) for p in papers], dtype=np.int64)
    ends += (np.cumsum(sizes) - sizes)[:, None]
    docs, positions, doc_offsets, position_offsets, df, last = _kernel.invert(
        numbers, ends.astype(np.int32).ravel(), tokens, len(vocabulary.terms)
    )
    # Terms held by none of these papers (numbered for others) have empty lists: left out.
    # The others in term order, the order of the table's index.
    order = sorted(np.flatnonzero(df).tolist(), key=vocabulary.terms.__getitem__)
    used = np.asarray(order, dtype=np.int64)
    return BuiltSegment(
        listed,
        [vocabulary.terms[t] for t in order],
        df[used].tolist(),
        last[used].tolist(),
        docs,
        positions,
        doc_offsets[used].tolist(),
        position_offsets[used].tolist(),
        doc_offsets[used + 1].tolist(),
        position_offsets[used + 1].tolist(),
    )


def concatenate(
    parts: Iterable[tuple[bytes, bytes, int]], alive: np.ndarray | None = None, base: int = 0
) -> tuple[bytes, bytes, int, int]:
    """One posting list from lists of neighbouring segments, oldest first, each
    ``(docs, positions, first docid)``, without the papers whose ``alive[docid]`` is 0,
    relative to ``base``: ``(docs, positions, df, last docid)``."""
    return _kernel.concatenate(list(parts), alive, base)


def pack_terms(terms: Sequence[str]) -> bytes:
    """A segment's terms as stored with it (what merging it reads)."""
    return zlib.compress("\n".join(terms).encode("utf-8"), 1)


def unpack_terms(data: bytes) -> list[str]:
    text = zlib.decompress(data).decode("utf-8")
    return text.split("\n") if text else []

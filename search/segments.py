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
        number = self.number
        return [number(term) for term in text.split()]


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
    numbers: list[int] = []
    ends: list[int] = []
    for part in document.as_row():
        numbers.extend(vocabulary.numbers_of(part))
        ends.append(len(numbers))
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
    """One term's posting list in one segment."""

    term: str
    df: int
    last_docid: int
    docs: bytes
    positions: bytes


def build_postings(
    papers: Sequence[tuple[int, AnalyzedPaper]], vocabulary: Vocabulary
) -> list[PostingRow]:
    """The posting lists of these papers (``(docid, paper)``, docids ascending)."""
    if not papers:
        return []
    docids = np.fromiter((d for d, _ in papers), dtype=np.int32, count=len(papers))
    tokens = np.concatenate([p.tokens for _, p in papers]) if papers else np.empty(0, np.int32)
    ends = np.empty(len(papers) * 5, dtype=np.int32)
    offset = 0
    for i, (_, paper) in enumerate(papers):
        ends[i * 5 : i * 5 + 5] = paper.ends
        ends[i * 5 : i * 5 + 5] += offset
        offset += len(paper.tokens)
    docs, positions, doc_offsets, position_offsets, df, last = _kernel.invert(
        docids, ends, tokens, len(vocabulary.terms)
    )
    terms = vocabulary.terms
    return [
        PostingRow(
            terms[t],
            int(df[t]),
            int(last[t]),
            docs[doc_offsets[t] : doc_offsets[t + 1]],
            positions[position_offsets[t] : position_offsets[t + 1]],
        )
        for t in np.flatnonzero(df)
    ]


def concatenate(
    parts: Iterable[tuple[bytes, bytes]], alive: np.ndarray | None = None
) -> tuple[bytes, bytes, int, int]:
    """One posting list from lists of neighbouring segments, oldest first, without the papers
    whose ``alive[docid]`` is 0: ``(docs, positions, df, last_docid)``."""
    return _kernel.concatenate(list(parts), alive)

"""From text to index terms (pure: no database).

A paper is indexed as two groups of fields:

- words: the folded words of its title, abstract and authors (``search.text``), for exact-word
  and phrase matching;
- pieces: for each title and abstract word of at least ``MIN_PARTIAL_CHARS`` characters, its
  BytePiece pieces, written ``p<hex id>``. Each word is tokenized on its own, so its pieces do
  not depend on the words around it, and a query word's pieces, taken as a phrase, are found
  inside the longer words that share them ("transformer" in "transformers").

Every term is made of ASCII lowercase letters and digits or of non-ASCII characters, and terms
are separated by single spaces, so that SQLite's ``ascii`` FTS5 tokenizer (or a plain split on
spaces) reads them back exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from search.text import is_unsegmented, words
from tokenizer import Tokenizer, default_tokenizer

MIN_PARTIAL_CHARS = 4
PIECE_CACHE_SIZE = 1 << 18


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """The terms of one paper, field by field, as space-separated strings."""

    title: str
    abstract: str
    authors: str
    title_pieces: str
    abstract_pieces: str

    def as_row(self) -> tuple[str, str, str, str, str]:
        return (self.title, self.abstract, self.authors, self.title_pieces, self.abstract_pieces)


class Analyzer:
    """Turns papers and query words into index terms with one tokenizer model.

    The index must be rebuilt when the model changes, since stored pieces name its ids.
    """

    def __init__(self, tokenizer: Tokenizer | None = None) -> None:
        self._tokenizer = tokenizer
        self._pieces: dict[str, str] = {}

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = default_tokenizer()
        return self._tokenizer

    def has_pieces(self, word: str) -> bool:
        """Whether ``word`` (folded) is indexed by pieces as well."""
        return len(word) >= MIN_PARTIAL_CHARS and not is_unsegmented(word)

    def word_pieces(self, word: str) -> str:
        """The piece terms of one folded word, space-separated ("" for short words)."""
        cached = self._pieces.get(word)
        if cached is not None:
            return cached
        pieces = (
            " ".join(f"p{i:x}" for i in self.tokenizer.encode(word))
            if self.has_pieces(word)
            else ""
        )
        if len(self._pieces) >= PIECE_CACHE_SIZE:
            self._pieces.clear()
        self._pieces[word] = pieces
        return pieces

    def pieces(self, text_words: Sequence[str]) -> str:
        return " ".join(p for p in map(self.word_pieces, text_words) if p)

    def document(self, title: str, abstract: str, authors: Sequence[str]) -> IndexedDocument:
        title_words = words(title or "")
        abstract_words = words(abstract or "")
        return IndexedDocument(
            title=" ".join(title_words),
            abstract=" ".join(abstract_words),
            authors=" ".join(w for name in authors for w in words(name)),
            title_pieces=self.pieces(title_words),
            abstract_pieces=self.pieces(abstract_words),
        )

"""From text to index terms (pure: no database).

A paper is indexed as two groups of fields:

- words: the folded words of its title, abstract and authors (``search.text``), for exact-word
  and phrase matching;
- stems: each distinct title and abstract word of at least ``MIN_PARTIAL_CHARS`` characters,
  and that word without its last BytePiece piece when that leaves as many characters. Each word
  is tokenized on its own, so its pieces do not depend on the words around it.

A query word is looked for among the words, and among the stems both as itself and as its own
stem: "transformers" is ``transform|ers`` and "transformer" ``transform|er``, so each finds the
other through "transform" with term lookups only; "networks" (``network|s``) is found by
"network" and finds it. A paper with the word itself matches in both groups and one with a
variant in the stems only, so the variant ranks lower. The variants are those whose last piece
BytePiece splits off the same way (plurals, -ed, -er, -ing...), most of them but not all.

Every term is made of ASCII lowercase letters and digits or of non-ASCII characters, and terms
are separated by single spaces, so that a plain split on spaces reads them back exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from search.text import is_unsegmented, words
from tokenizer import Tokenizer, default_tokenizer

MIN_PARTIAL_CHARS = 4
STEM_CACHE_SIZE = 1 << 18


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """The terms of one paper, field by field, as space-separated strings."""

    title: str
    abstract: str
    authors: str
    title_stems: str
    abstract_stems: str

    def as_row(self) -> tuple[str, str, str, str, str]:
        return (self.title, self.abstract, self.authors, self.title_stems, self.abstract_stems)


class _StemCache(dict[str, tuple[str, ...]]):
    """Word -> its stem terms; filled on first use, emptied when it grows too large."""

    def __init__(self, compute: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, word: str) -> tuple[str, ...]:
        if len(self) >= STEM_CACHE_SIZE:
            self.clear()
        value = self[word] = self._compute(word)
        return value


class Analyzer:
    """Turns papers into index terms with one tokenizer model.

    The index must be rebuilt when the model changes, since the stems follow its pieces.
    """

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        *,
        load: Callable[[], Tokenizer] = default_tokenizer,
    ) -> None:
        self._tokenizer = tokenizer
        self._load = load
        self._stems = _StemCache(self._stem_terms)

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = self._load()
        return self._tokenizer

    def may_be_stem(self, word: str) -> bool:
        """Whether ``word`` (folded) is long enough to be the stem of longer words."""
        return len(word) >= MIN_PARTIAL_CHARS and not is_unsegmented(word)

    def _stem(self, word: str) -> str:
        if len(word) <= MIN_PARTIAL_CHARS or is_unsegmented(word):
            return ""
        pieces = self.tokenizer.tokenize(word)  # the word is NFC already
        if len(pieces) < 2:
            return ""
        data = word.encode("utf-8")
        try:
            stem = data[: len(data) - len(pieces[-1])].decode("utf-8")
        except UnicodeDecodeError:  # the last piece starts inside a character
            return ""
        return stem if len(stem) >= MIN_PARTIAL_CHARS else ""

    def _stem_terms(self, word: str) -> tuple[str, ...]:
        if not self.may_be_stem(word):
            return ()
        stem = self._stem(word)
        return (word, stem) if stem else (word,)

    def stem_terms(self, word: str) -> tuple[str, ...]:
        """What a word adds to the stems: itself and its stem (nothing for a short word)."""
        return self._stems[word]

    def stem(self, word: str) -> str:
        """One folded word without its last piece ("" when that is too short or not a word)."""
        terms = self._stems[word]
        return terms[1] if len(terms) > 1 else ""

    def stems(self, text_words: Iterable[str]) -> str:
        """The stem terms of these words, each once, in order of first use."""
        terms = map(self._stems.__getitem__, dict.fromkeys(text_words))
        return " ".join(dict.fromkeys(chain.from_iterable(terms)))

    def document(self, title: str, abstract: str, authors: Sequence[str]) -> IndexedDocument:
        title_words = words(title or "")
        abstract_words = words(abstract or "")
        return IndexedDocument(
            title=" ".join(title_words),
            abstract=" ".join(abstract_words),
            authors=" ".join(w for name in authors for w in words(name)),
            title_stems=self.stems(title_words),
            abstract_stems=self.stems(abstract_words),
        )

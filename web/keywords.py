"""The keyword bar of the lists: include and exclude keywords, AND or OR, matches only.

Keywords come from the query string (one per line), so that a filtered view can be shared
and works without JavaScript. Matching is case-insensitive on the title, the abstract and
the author names; include keywords are highlighted outside math.
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from models.schema import Paper
from web.tex import escaped, untex_accents

MAX_KEYWORDS = 20
MAX_KEYWORD_LENGTH = 100
_LINE_BREAKS = re.compile(r"[\r\n]+")  # between two keywords


def _lines(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    words = (w.strip() for w in _LINE_BREAKS.split(text))
    unique = dict.fromkeys(w[:MAX_KEYWORD_LENGTH] for w in words if w)
    return tuple(unique)[:MAX_KEYWORDS]


@dataclass(frozen=True, slots=True)
class KeywordFilter:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    mode: str = "or"  # "or": any include keyword matches; "and": all of them must
    only: bool = False  # list only the matching papers

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> KeywordFilter:
        mode = "and" if params.get("mode", "").lower() == "and" else "or"
        only = params.get("only", "") in {"1", "on", "true", "yes"}
        return cls(_lines(params.get("include")), _lines(params.get("exclude")), mode, only)

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude)

    def query_items(self) -> list[tuple[str, str]]:
        """The filter as query parameters (empty when it is inactive)."""
        items: list[tuple[str, str]] = []
        if self.include:
            items.append(("include", "\n".join(self.include)))
        if self.exclude:
            items.append(("exclude", "\n".join(self.exclude)))
        if self.include and self.mode == "and":
            items.append(("mode", "and"))
        if self.only and self.active:
            items.append(("only", "1"))
        return items

    def query_string(self) -> str:
        return urlencode(self.query_items())

    def matcher(self) -> PaperMatcher:
        return PaperMatcher(self, Marker.of(self.include) if self.include else None)


@dataclass(frozen=True, slots=True)
class Verdict:
    matches: bool  # passes the filter
    excluded: bool  # holds an exclude keyword
    # holds an include keyword: else the keyword bar has nothing to mark in its entry
    found: bool = True


HAYSTACKS_KEPT = 5_000  # papers: as many as ``models.queries`` keeps views of
_haystacks: OrderedDict[tuple[str, object], str] = OrderedDict()


def _haystack(paper: Paper) -> str:
    """What keywords are looked for in: the title, abstract and authors, TeX accents as
    letters, case-folded; kept for the paper as stored (every change of a paper moves its
    ``modified_at``), since every keyword bar reads it."""
    stamp = getattr(paper, "modified_at", None)
    key = (paper.id, stamp)
    haystack = _haystacks.get(key) if stamp is not None else None
    if haystack is None:
        haystack = "\n".join(
            [untex_accents(paper.title), untex_accents(paper.abstract or "")]
            + [untex_accents(a.name) for a in paper.authors]
        ).casefold()
        if stamp is not None:
            _haystacks[key] = haystack
            if len(_haystacks) > HAYSTACKS_KEPT:
                _haystacks.popitem(last=False)
    return haystack


@dataclass(frozen=True, slots=True)
class PaperMatcher:
    filter: KeywordFilter
    highlight: Marker | None  # what marks the include keywords in the text shown

    def judge(self, paper: Paper) -> Verdict:
        haystack = _haystack(paper)
        excluded = any(w.casefold() in haystack for w in self.filter.exclude)
        include = [w.casefold() in haystack for w in self.filter.include]
        if not include:
            included = True
        elif self.filter.mode == "and":
            included = all(include)
        else:
            included = any(include)
        return Verdict(included and not excluded, excluded, any(include))


_NOTHING = re.compile("((?!))")  # a pattern (in one group) that matches nowhere


@functools.cache
def _ascii_twin(character: str) -> bool:
    """Whether ``character`` matches an ASCII character in any case (as the Kelvin sign
    matches k)."""
    pattern = re.compile(re.escape(character), re.IGNORECASE)
    return any(pattern.fullmatch(chr(code)) for code in range(128))


def _matches_ascii(word: str) -> bool:
    """Whether ``word`` can match somewhere in ASCII text, in any case."""
    return all(character.isascii() or _ascii_twin(character) for character in word)


@dataclass(frozen=True, slots=True)
class Marker:
    """The keyword bar's highlighter (a ``web.tex.Highlighter``): the include keywords'
    matches in ``<mark>``, in any case."""

    pattern: re.Pattern[str]  # the keywords in one group, the longest first, any case
    # The keywords that ASCII text can hold, lowercased, matched in lowercased ASCII text
    # (the same matches, at a third of the cost of matching in any case), and looked for
    # with ``in`` (a C string search); None when another keyword could match ASCII text in
    # some case.
    lowered: re.Pattern[str] | None
    lowered_words: tuple[str, ...] = ()

    @classmethod
    def of(cls, words: tuple[str, ...]) -> Marker:
        """The marker of ``words``, each a line (one given with line breaks in it is several:
        no mark crosses a line break)."""
        words = tuple(dict.fromkeys(w for word in words for w in _LINE_BREAKS.split(word) if w))
        if not words:
            return cls(_NOTHING, _NOTHING)
        longest_first = sorted(words, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, longest_first))
        pattern = re.compile(f"({alternatives})", re.IGNORECASE)
        others = [word for word in longest_first if not word.isascii()]
        if any(map(_matches_ascii, others)):  # a keyword matches ASCII text in some case
            return cls(pattern, None)
        lowered = tuple(word.lower() for word in longest_first if word.isascii())
        if not lowered:
            return cls(pattern, _NOTHING)
        return cls(pattern, re.compile("(" + "|".join(map(re.escape, lowered)) + ")"), lowered)

    def finds(self, text: str) -> bool:
        if self.lowered is not None and text.isascii():
            text = text.lower()
            return any(word in text for word in self.lowered_words)
        return self.pattern.search(text) is not None

    def _pieces(self, text: str) -> list[str]:
        """``text`` cut at the matches: text, match, text, ..., text."""
        if self.lowered is None or not text.isascii():
            return self.pattern.split(text)
        pieces, position = [], 0
        for match in self.lowered.finditer(text.lower()):
            start, end = match.span()
            pieces += (text[position:start], text[start:end])
            position = end
        pieces.append(text[position:])
        return pieces

    def __call__(self, text: str) -> str:
        """``text`` escaped, with the include keywords in ``<mark>``."""
        pieces = self._pieces(text)
        if "\0" in text:
            pieces = [escaped(piece) for piece in pieces]
        else:  # escaped in one pass
            pieces = escaped("\0".join(pieces)).split("\0")
        for i in range(1, len(pieces), 2):
            pieces[i] = f"<mark>{pieces[i]}</mark>"
        return "".join(pieces)

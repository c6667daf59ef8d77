"""The keyword bar of the lists: include and exclude keywords, AND or OR, matches only.

Keywords come from the query string (one per line), so that a filtered view can be shared
and works without JavaScript. Matching is case-insensitive on the title, the abstract and
the author names; include keywords are highlighted outside math.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import escape

from models.schema import Paper
from web.tex import untex_accents

MAX_KEYWORDS = 20
MAX_KEYWORD_LENGTH = 100


def _lines(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    words = (w.strip() for w in re.split(r"[\r\n]+", text))
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

    def _pattern(self, words: tuple[str, ...]) -> re.Pattern[str] | None:
        if not words:
            return None
        longest_first = sorted(words, key=len, reverse=True)
        return re.compile("|".join(map(re.escape, longest_first)), re.IGNORECASE)

    def matcher(self) -> PaperMatcher:
        return PaperMatcher(self, self._pattern(self.include))


@dataclass(frozen=True, slots=True)
class Verdict:
    matches: bool  # passes the filter
    excluded: bool  # holds an exclude keyword


@dataclass(frozen=True, slots=True)
class PaperMatcher:
    filter: KeywordFilter
    include_pattern: re.Pattern[str] | None

    def judge(self, paper: Paper) -> Verdict:
        haystack = "\n".join(
            [untex_accents(paper.title), untex_accents(paper.abstract or "")]
            + [untex_accents(a.name) for a in paper.authors]
        ).casefold()
        excluded = any(w.casefold() in haystack for w in self.filter.exclude)
        include = [w.casefold() in haystack for w in self.filter.include]
        if not include:
            included = True
        elif self.filter.mode == "and":
            included = all(include)
        else:
            included = any(include)
        return Verdict(included and not excluded, excluded)

    def highlight(self, text: str) -> str:
        """``text`` escaped, with the include keywords in ``<mark>``."""
        if self.include_pattern is None:
            return str(escape(text))
        out: list[str] = []
        position = 0
        for match in self.include_pattern.finditer(text):
            out.append(str(escape(text[position : match.start()])))
            out.append(f"<mark>{escape(match.group(0))}</mark>")
            position = match.end()
        out.append(str(escape(text[position:])))
        return "".join(out)

"""Where a query matches a text: spans to highlight (pure).

Spans are ``(start, end)`` offsets in characters (Unicode code points) into the text as stored,
end exclusive, sorted and not overlapping. A word is marked when it is a query word, when its
stem is one, or when it shares a query word's stem or is that stem (``search.analysis``); a
phrase is marked from its first word to its last. ``snippet`` cuts a few lines of a long text
around its first span (what search shows of a paper's body: never more, the text is the
authors').
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from search.analysis import Analyzer
from search.query import Field, Query, Term
from search.text import Word, words_with_spans

SNIPPET_CHARS = 240
ELLIPSIS = "…"


def _applies(term: Term, field: Field) -> bool:
    return term.field in (Field.ANY, field)


def _phrase_spans(found: list[Word], phrase: tuple[str, ...]) -> Iterable[tuple[int, int]]:
    n = len(phrase)
    for i in range(len(found) - n + 1):
        if all(found[i + k].text == phrase[k] for k in range(n)):
            yield found[i].start, found[i + n - 1].end


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


@dataclass(frozen=True, slots=True)
class _Marks:
    """What marks one field's text for one query, worked out once per query and field."""

    single: frozenset[str]  # words marked as they are
    partial: frozenset[str]  # words and stems whose variants are marked
    prefixes: tuple[str, ...]  # a marked variant starts with one of these
    phrases: tuple[tuple[str, ...], ...]
    # Over ASCII text lowered: the words that may be marked, each phrase of ASCII words; a
    # match is taken only where a word starts (``_word_starts``).
    candidates: re.Pattern[str] | None
    lowered_phrases: tuple[re.Pattern[str], ...]
    other_phrases: tuple[re.Pattern[str], ...]  # phrases with a word that is not ASCII


@lru_cache(maxsize=256)
def _marks(query: Query, field: Field, analyzer: Analyzer) -> _Marks | None:
    terms = [t for t in query.positive_terms() if _applies(t, field)]
    if not terms:
        return None
    single = {t.words[0] for t in terms if not t.is_phrase}
    partial: set[str] = set()
    if field is not Field.AUTHORS:
        for word in single:
            if analyzer.may_be_stem(word):
                partial.update(filter(None, (word, analyzer.stem(word))))
    phrases = tuple(t.words for t in terms if t.is_phrase)
    prefixes = tuple(sorted(single | partial))
    candidates = None
    if prefixes and all(p.isascii() for p in prefixes):
        candidates = _lowered_starting(tuple(sorted({p.lower() for p in prefixes})))
    ascii_phrases = [p for p in phrases if all(w.isascii() for w in p)]
    return _Marks(
        frozenset(single),
        frozenset(partial),
        tuple(partial),
        phrases,
        candidates,
        tuple(_lowered_phrase(p) for p in ascii_phrases),
        tuple(_ascii_phrase(p) for p in phrases if p not in ascii_phrases),
    )


def highlight_spans(
    text: str, query: Query, field: Field, analyzer: Analyzer
) -> list[tuple[int, int]]:
    """The spans of ``text`` (the paper's ``field``) that the query's positive terms match."""
    marks = _marks(query, field, analyzer) if text else None
    if marks is None:
        return []
    single, partial, prefixes = marks.single, marks.partial, marks.prefixes
    lowered = ""
    if text.isascii():
        lowered = text.lower()
        if marks.candidates is not None:
            found = [
                Word(lowered[start:end], start, end)
                for start, end in _word_starts(marks.candidates, lowered)
            ]
        else:
            found = list(words_with_spans(text)) if single or partial else []
    else:
        found = list(words_with_spans(text))
    spans: list[tuple[int, int]] = []
    for word in found:
        if word.text in single or (
            partial
            and word.text.startswith(prefixes)
            and analyzer.may_be_stem(word.text)
            and (word.text in partial or analyzer.stem(word.text) in partial)
        ):
            spans.append((word.start, word.end))
    if marks.phrases and lowered:
        for pattern in marks.lowered_phrases:
            spans.extend(_word_starts(pattern, lowered))
        for pattern in marks.other_phrases:
            spans.extend(m.span() for m in pattern.finditer(text))
    elif marks.phrases:
        for phrase in marks.phrases:
            spans.extend(_phrase_spans(found, phrase))
    return merge_spans(spans)


# In ASCII text a word is a run of letters and digits (``search.text``): expressions find
# the few words that may match instead of reading every word.
_WORD_START = "(?<![A-Za-z0-9])"


@lru_cache(maxsize=256)
def _ascii_starting(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(f"{_WORD_START}(?:{alternatives})[A-Za-z0-9]*", re.IGNORECASE)


# The same over ASCII text lowered first (offsets unchanged), without ``re.IGNORECASE`` (such
# an expression compiles in about a fifth of the time: 0.09 ms against 0.43 for three words,
# 0.67 for a phrase, once per query) and without the look-behind for a word's start, which
# kept the expression engine from skipping ahead to the words' first letters: 1.2 us
# instead of 22 to find a word in 950 characters. Where a match starts is checked instead
# (``_word_starts``).
@lru_cache(maxsize=256)
def _lowered_starting(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(f"(?:{alternatives})[a-z0-9]*")


@lru_cache(maxsize=256)
def _lowered_phrase(phrase: tuple[str, ...]) -> re.Pattern[str]:
    inner = "[^a-z0-9]+".join(re.escape(w.lower()) for w in phrase)
    return re.compile(f"{inner}(?![a-z0-9])")


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _word_starts(pattern: re.Pattern[str], lowered: str) -> list[tuple[int, int]]:
    """The spans of ``pattern``'s matches in ``lowered`` that start a word, as the expression
    with a look-behind finds them: after a match inside a word, the search goes on from the
    next character, not from the match's end."""
    spans = []
    at = 0
    search = pattern.search
    while (match := search(lowered, at)) is not None:
        start, end = match.span()
        if start and lowered[start - 1] in _WORD_CHARS:
            at = start + 1
        else:
            spans.append((start, end))
            at = end
    return spans


@lru_cache(maxsize=256)
def _ascii_phrase(phrase: tuple[str, ...]) -> re.Pattern[str]:
    inner = "[^A-Za-z0-9]+".join(re.escape(w) for w in phrase)
    return re.compile(f"{_WORD_START}{inner}(?![A-Za-z0-9])", re.IGNORECASE)


def snippet(
    text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """At most about ``width`` characters of ``text`` around its first span, within its
    paragraph, cut between words, lines joined, with ``…`` where it is cut; and the spans that
    lie in it, as offsets into the snippet."""
    if not spans:
        return "", []
    start, end = spans[0]
    paragraph_start = text.rfind("\n\n", 0, start)
    paragraph_start = 0 if paragraph_start < 0 else paragraph_start + 2
    paragraph_end = text.find("\n\n", end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    begin = max(paragraph_start, start - width // 3)
    if begin > paragraph_start:
        space = text.find(" ", begin, start)
        begin = space + 1 if space >= 0 else start
    stop = min(paragraph_end, max(end, begin + width))
    if stop < paragraph_end:
        space = text.rfind(" ", end, stop)
        stop = space if space >= 0 else stop
    head = ELLIPSIS if begin > paragraph_start else ""
    tail = ELLIPSIS if stop < paragraph_end else ""
    piece = text[begin:stop].replace("\n", " ")
    shift = len(head) - begin
    inside = [
        (max(s, begin) + shift, min(e, stop) + shift) for s, e in spans if s < stop and e > begin
    ]
    return head + piece + tail, inside


def prefilter(query: Query, analyzer: Analyzer) -> re.Pattern[str] | None:
    """An expression that every text the query's any-field terms may mark holds (a word
    starting with one of their words or stems), to skip the paragraphs of a long text that
    cannot match without reading their words; None when the words are not all ASCII."""
    found = {w for t in query.positive_terms() if t.field is Field.ANY for w in t.words}
    found |= {analyzer.stem(w) for w in found if analyzer.may_be_stem(w)} - {""}
    if not found or not all(w.isascii() for w in found):
        return None
    return _ascii_starting(tuple(sorted(found)))

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


def highlight_spans(
    text: str, query: Query, field: Field, analyzer: Analyzer
) -> list[tuple[int, int]]:
    """The spans of ``text`` (the paper's ``field``) that the query's positive terms match."""
    terms = [t for t in query.positive_terms() if _applies(t, field)]
    if not text or not terms:
        return []
    single = {t.words[0] for t in terms if not t.is_phrase}
    partial: set[str] = set()
    if field is not Field.AUTHORS:
        for word in single:
            if analyzer.may_be_stem(word):
                partial.update(filter(None, (word, analyzer.stem(word))))
    # A word's stem is the word without its last piece: a word can only share a stem with a
    # query word if it starts with one of the stems.
    prefixes = tuple(partial)
    phrases = [t.words for t in terms if t.is_phrase]
    if text.isascii():
        found = _ascii_candidates(text, tuple(sorted(single | partial)))
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
    if phrases and text.isascii():
        lowered = text.lower()
        for phrase in phrases:
            if all(w.isascii() for w in phrase):
                spans.extend(m.span() for m in _lowered_phrase(phrase).finditer(lowered))
            else:
                spans.extend(m.span() for m in _ascii_phrase(phrase).finditer(text))
    elif phrases:
        for phrase in phrases:
            spans.extend(_phrase_spans(found, phrase))
    return merge_spans(spans)


# In ASCII text a word is a run of letters and digits (``search.text``): expressions find
# the few words that may match instead of reading every word.
_WORD_START = "(?<![A-Za-z0-9])"


@lru_cache(maxsize=256)
def _ascii_starting(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(f"{_WORD_START}(?:{alternatives})[A-Za-z0-9]*", re.IGNORECASE)


# The same over ASCII text lowered first (offsets unchanged), without ``re.IGNORECASE``: such an
# expression compiles in about a fifth of the time (0.09 ms against 0.43 for three words, 0.67
# for a phrase), and a search compiles one for each query it has not seen yet.
@lru_cache(maxsize=256)
def _lowered_starting(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(f"(?<![a-z0-9])(?:{alternatives})[a-z0-9]*")


@lru_cache(maxsize=256)
def _lowered_phrase(phrase: tuple[str, ...]) -> re.Pattern[str]:
    inner = "[^a-z0-9]+".join(re.escape(w.lower()) for w in phrase)
    return re.compile(f"(?<![a-z0-9]){inner}(?![a-z0-9])")


def _ascii_candidates(text: str, prefixes: tuple[str, ...]) -> list[Word]:
    """The words of ASCII ``text`` that start with one of the (folded) prefixes."""
    if not prefixes or not all(p.isascii() for p in prefixes):
        return [] if not prefixes else list(words_with_spans(text))
    pattern = _lowered_starting(tuple(sorted({p.lower() for p in prefixes})))
    return [Word(m.group(), m.start(), m.end()) for m in pattern.finditer(text.lower())]


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

"""Words of a text as the index sees them: folded (NFKD, marks removed, case-folded, NFC) and
split into words, with each character of an unsegmented script (Chinese, Japanese, Thai...)
as a word of its own.

Spans are offsets in characters (Unicode code points) into the text as given, end exclusive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple


def _mark_code_points() -> list[int]:
    planes = [*range(0x20000), *range(0xE0000, 0xE0200)]
    return [cp for cp in planes if unicodedata.category(chr(cp)).startswith("M")]


_MARKS = _mark_code_points()
_STRIP_MARKS = dict.fromkeys(_MARKS)


def _class(code_points: list[int]) -> str:
    """A regex character class body for ``code_points`` (ascending), as ranges."""
    ranges: list[list[int]] = []
    for cp in code_points:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges)


# A run of letters, digits and the marks that may follow them, in the text as given.
_RUN = re.compile(rf"(?:[^\W_]|[{_class(_MARKS)}])+")
_FOLDED_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# ASCII text: every character but a letter or digit becomes a space (same words as _ASCII_WORD).
_ASCII_SEPARATORS = str.maketrans({chr(i): " " for i in range(128) if not chr(i).isalnum()})

# Scripts written without spaces between words: each character is indexed as a word, and a
# query's run of them becomes a phrase of characters.
_UNSEGMENTED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3005, 0x3007),  # ideographic iteration and zero
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31FF),  # Bopomofo extended, Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
_UNSEGMENTED_CLASS = "".join(
    f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in _UNSEGMENTED
)
_HAS_UNSEGMENTED = re.compile(f"[{_UNSEGMENTED_CLASS}]")
_SEGMENTS = re.compile(f"[{_UNSEGMENTED_CLASS}]|[^{_UNSEGMENTED_CLASS}]+")


class Word(NamedTuple):
    """A folded word and the span of the text it came from."""

    text: str
    start: int
    end: int


def is_unsegmented(word: str) -> bool:
    """Whether ``word`` is a character of a script written without spaces."""
    return len(word) == 1 and _HAS_UNSEGMENTED.match(word) is not None


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case-folded, without accents or other marks, compatibility forms unfolded, NFC."""
    if text.isascii():
        return text.lower()
    for _ in range(2):  # twice: case folding can expose new decompositions, and back
        text = unicodedata.normalize("NFKD", text).translate(_STRIP_MARKS).casefold()
    return unicodedata.normalize("NFC", text)


def _folded_words(segment: str) -> list[str]:
    folded = fold(segment)
    if folded.isascii():
        return _ASCII_WORD.findall(folded)
    return _FOLDED_WORD.findall(folded)


_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")


def words_with_spans(text: str) -> Iterator[Word]:
    """The words of ``text`` in order, each with the span it came from."""
    if text.isascii():
        for run in _ASCII_RUN.finditer(text):
            yield Word(run.group().lower(), run.start(), run.end())
        return
    for run in _RUN.finditer(text):
        chunk = run.group()
        start = run.start()
        if chunk.isascii():
            yield Word(chunk.lower(), start, run.end())
            continue
        if _HAS_UNSEGMENTED.search(chunk) is None:
            for word in _folded_words(chunk):
                yield Word(word, start, run.end())
            continue
        for segment in _SEGMENTS.finditer(chunk):
            for word in _folded_words(segment.group()):
                yield Word(word, start + segment.start(), start + segment.end())


def words(text: str) -> list[str]:
    """The folded words of ``text`` in order (what the index stores for it)."""
    if text.isascii():
        return text.lower().translate(_ASCII_SEPARATORS).split()
    return [word.text for word in words_with_spans(text)]

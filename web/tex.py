"""TeX in arXiv text as MathML made on the server, everything else escaped.

``render_text`` turns a title or an abstract into safe HTML: text outside math is escaped
(and optionally highlighted), ``$...$``, ``$$...$$``, ``\\(...\\)`` and ``\\[...\\]`` become
MathML Core from ``math-core`` (a converter in Rust, a few microseconds a formula), which
browsers render natively. A formula that cannot be converted (unknown commands, prose taken
for math), or whose MathML falls outside a small allowlist, stays as its escaped TeX.

The converter's output is never trusted: before it is shown it must read, from end to end,
as allowed MathML elements and attributes, text without markup and balanced tags; the
emphasis it puts inside ``\\text{...}`` (``<b>``, ``<span class=...>``) and its inline
styles (negative spaces, colours) are dropped first, its named character references are
written as the characters. Anything else (a comment, another element or attribute, a stray
``<`` or ``&``) refuses the formula. The text is cut into math and plain segments in one
pass, and a text longer than ``MAX_TEXT_LENGTH`` is shown as escaped plain text, so no
input keeps a worker busy.

Dollar signs follow pandoc's rule so that prices are not taken for math: an opening ``$``
is followed by a non-space, a closing ``$`` is preceded by a non-space and not followed by a
digit; ``\\$`` is a literal dollar, and an unmatched ``$`` is plain text.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass
from html.entities import html5
from typing import NamedTuple, Protocol

from markupsafe import Markup
from math_core import LatexToMathML

MATHML_ELEMENTS = frozenset(
    """math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac
    msqrt mroot mstyle merror mpadded mphantom mfenced menclose mtable mtr mtd mlabeledtr
    semantics annotation mmultiscripts mprescripts none maligngroup malignmark""".split()  # noqa: SIM905
)
MATHML_ATTRIBUTES = frozenset(
    """display displaystyle mathvariant stretchy fence separator lspace rspace width height
    depth linethickness columnalign rowalign columnlines rowlines columnspacing rowspacing
    frame notation accent accentunder movablelimits symmetric minsize maxsize open close
    separators scriptlevel largeop form encoding align class""".split()  # noqa: SIM905
)
MAX_FORMULA_LENGTH = 2000
# Titles, abstracts and comments on arXiv are far shorter; a longer text is shown escaped.
MAX_TEXT_LENGTH = 20_000


@dataclass(slots=True)  # not frozen: made by the thousand a list, a third of the time
class Segment:
    text: str
    math: bool = False
    display: bool = False
    source: str = ""  # the TeX as written, with its delimiters


def _closes_inline_math(text: str, i: int) -> bool:
    """Whether the ``$`` at ``i`` can close inline math (pandoc's rule)."""
    before = text[i - 1]
    if before == "\\" or before.isspace():
        return False
    return not (i + 1 < len(text) and text[i + 1].isdigit())


class _Occurrences:
    """Where each delimiter occurs in one text, found in one pass per delimiter.

    ``after(needle, start)`` is ``text.find(needle, start)`` (``"$"`` counting only dollars
    that can close inline math) without scanning again: a text of many openers that never
    close costs one pass instead of one scan per opener.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._positions: dict[str, list[int]] = {}

    def _find_all(self, needle: str) -> list[int]:
        """Every occurrence, overlapping ones too, as str.find sees them ("$$$" holds "$$" at
        0 and 1); for ``"$"`` those after the first character that can close inline math."""
        text = self.text
        found: list[int] = []
        if needle == "$":
            i = text.find("$", 1)
            while i != -1:
                if _closes_inline_math(text, i):
                    found.append(i)
                i = text.find("$", i + 1)
            return found
        i = text.find(needle)
        while i != -1:
            found.append(i)
            i = text.find(needle, i + 1)
        return found

    def after(self, needle: str, start: int) -> int:
        positions = self._positions.get(needle)
        if positions is None:
            positions = self._positions[needle] = self._find_all(needle)
        k = bisect.bisect_left(positions, start)
        return positions[k] if k < len(positions) else -1


_AFTER_BACKSLASH = ("$", "(", "[")  # a backslash before anything else is text


def split_math(text: str) -> list[Segment]:
    """The text cut into plain and math segments (delimiters removed from math).

    The next dollar and the next backslash are found with ``str.find`` (a C scan), and the
    plain text between two openers (TeX accents and stray backslashes included) is copied
    in one slice."""
    if "$" not in text and "\\" not in text:
        return [Segment(text)] if text else []
    segments: list[Segment] = []
    pieces: list[str] = []  # the plain text since ``start`` when it is not one slice
    occurrences = _Occurrences(text)
    n = len(text)
    start = position = 0  # where the plain text pending starts; where to look on
    dollar, backslash = text.find("$"), text.find("\\")
    while True:
        if -1 < dollar < position:
            dollar = text.find("$", position)
        if -1 < backslash < position:
            backslash = text.find("\\", position)
        while backslash != -1 and text[backslash + 1 : backslash + 2] not in _AFTER_BACKSLASH:
            backslash = text.find("\\", backslash + 1)
        if backslash != -1 and (dollar == -1 or backslash < dollar):
            at, opener = backslash, text[backslash + 1]
        elif dollar != -1:
            at, opener = dollar, "$"
        else:
            break
        if opener == "$" and at == backslash:  # \$: a literal dollar
            pieces.append(text[start:at] + "$")
            start = position = at + 2
            continue
        if opener == "$" and text.startswith("$$", at):
            end = occurrences.after("$$", at + 2)
            if end == -1 or not text[at + 2 : end].strip():
                position = at + 2  # "$$" is text
                continue
            math = Segment(text[at + 2 : end], True, True, text[at : end + 2])
            after = end + 2
        elif opener == "$":
            end = -1
            if at + 1 < n and not text[at + 1].isspace():
                end = occurrences.after("$", at + 1)
            if end == -1:
                position = at + 1  # "$" is text
                continue
            math = Segment(text[at + 1 : end], True, False, text[at : end + 1])
            after = end + 1
        else:  # \( or \[
            end = occurrences.after("\\)" if opener == "(" else "\\]", at + 2)
            if end == -1 or end == at + 2:
                position = at + 1  # the backslash is text
                continue
            math = Segment(text[at + 2 : end], True, opener == "[", text[at : end + 2])
            after = end + 2
        if start < at:
            pieces.append(text[start:at])
        if pieces:
            segments.append(Segment("".join(pieces)))
            pieces.clear()
        segments.append(math)
        start = position = after
    if start < n:
        pieces.append(text[start:])
    if pieces:
        segments.append(Segment("".join(pieces)))
    return segments


_CONVERTER = LatexToMathML(fancy_error=False)


def _pattern_of(names: frozenset[str]) -> str:
    return "|".join(sorted(names, key=lambda name: (-len(name), name)))


# What the converter may put around text in ``\\text{...}`` and its kin, and its inline
# styles (``\\!``, ``\\color``): dropped, the text kept.
_DROPPED = re.compile(
    r'</?(?:b|i|em|u|s|code)>|<span class="math-core-[a-z-]+">|</span>| style="[^"<>&]*"'
)
_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_KEPT_REFERENCES = frozenset({"lt", "gt", "amp", "quot"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# MathML read from end to end: tags (attribute values without markup), text without markup,
# and the four references kept as they are.
_MARKUP = re.compile(r"""(?:</?[a-z]+(?: [a-z]+="[^"<>&]*")*/?>|[^<>&]+|&(?:lt|gt|amp|quot);)*""")
_TAG = re.compile(r"<(/?)([a-z]+)([^>/]*)(/?)>")
_ATTRIBUTE_NAME = re.compile(r" ([a-z]+)=")


def _character(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _KEPT_REFERENCES:
        return match.group(0)
    character = html5.get(name + ";")
    # An unknown name keeps its "&", which the check then refuses.
    return match.group(0) if character is None else character.translate(_TEXT_ESCAPES)


def _allowed(mathml: str) -> bool:
    """Whether ``mathml``'s tags are allowed elements with allowed attributes, nested, the
    first one holding all the others."""
    open_tags: list[str] = []
    tags = _TAG.findall(mathml)
    last = len(tags) - 1
    for i, (closing, name, attributes, empty) in enumerate(tags):
        if closing:
            if not open_tags or open_tags.pop() != name or (not open_tags and i != last):
                return False
            continue
        if name not in MATHML_ELEMENTS:
            return False
        if attributes and not MATHML_ATTRIBUTES.issuperset(_ATTRIBUTE_NAME.findall(attributes)):
            return False
        if not empty:
            open_tags.append(name)
        elif not open_tags:
            return False
    return not open_tags


def _has_dropped(mathml: str) -> bool:
    return (
        " style=" in mathml
        or "<span" in mathml
        or "<b>" in mathml
        or "<i>" in mathml
        or "<em>" in mathml
        or "<u>" in mathml
        or "<s>" in mathml
        or "<code>" in mathml
    )


def checked_mathml(mathml: str) -> str | None:
    """``mathml`` as it may be shown, or None unless it is allowed MathML throughout."""
    if _has_dropped(mathml):
        mathml = _DROPPED.sub("", mathml)
    if "&" in mathml:
        mathml = _REFERENCE.sub(_character, mathml)
    if not (mathml.startswith("<math") and mathml.endswith("</math>")):
        return None
    if _MARKUP.fullmatch(mathml) is None or not _allowed(mathml):
        return None
    return mathml


@functools.lru_cache(maxsize=50_000)
def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """MathML for ``tex``, or None when it cannot be converted safely (``checked_mathml``)."""
    if not tex.strip() or len(tex) > MAX_FORMULA_LENGTH:
        return None
    try:
        mathml = _CONVERTER.convert_with_local_state(tex, displaystyle=display)
    except Exception:  # LatexError for bad TeX; nothing the converter raises is the page's
        return None
    return checked_mathml(mathml)


class Highlighter(Protocol):
    """The keyword bar's marks: ``highlight(text)`` is ``text`` escaped with its matches
    marked, ``highlight.finds(text)`` whether it has any (so that unmarked text is shown as
    it is shown without the bar). What it looks for holds no line break."""

    def __call__(self, text: str) -> str: ...

    def finds(self, text: str) -> bool: ...


def escaped(value: object) -> str:
    """``value`` as text escaped as markupsafe escapes it (``& < > " '``), for HTML text and
    quoted attributes: C string replacements, three times faster than ``escape`` on short
    values (``escape`` makes a ``Markup`` of each)."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


# A part of a rendered text: its plain text (TeX accents as letters, not escaped) and that
# text escaped; or None and a formula's HTML (MathML, or its TeX escaped in a span).
Part = tuple[str | None, str]


class Rendered(NamedTuple):
    parts: tuple[Part, ...]
    plain: str  # the plain parts, a line break between two (what a highlighter looks in)


@functools.lru_cache(maxsize=20_000)
def _parts(text: str) -> Rendered:
    """``text`` cut into plain text and rendered math: what every reader of a list is shown,
    kept, so that the keyword bar marks the plain parts without cutting the text again."""
    parts: list[Part] = []
    for segment in split_math(text):
        if not segment.math:
            plain = untex_accents(segment.text)
            parts.append((plain, escaped(plain)))
            continue
        mathml = tex_to_mathml(segment.text.strip(), segment.display)
        if mathml is None:
            mathml = f'<span class="tex">{escaped(segment.source)}</span>'
        parts.append((None, mathml))
    plains = [plain for plain, _ in parts if plain is not None]
    return Rendered(tuple(parts), plains[0] if len(plains) == 1 else "\n".join(plains))


def _render_plain(text: str) -> str:
    return "".join([html for _, html in _parts(text).parts])


def _render(text: str, highlight: Highlighter) -> str:
    rendered = _parts(text)
    if not highlight.finds(rendered.plain):
        return "".join([html for _, html in rendered.parts])
    return "".join(
        [
            html if plain is None or not highlight.finds(plain) else highlight(plain)
            for plain, html in rendered.parts
        ]
    )


def finds_in_text(text: str | None, highlight: Highlighter) -> bool:
    """Whether ``highlight`` marks anything in ``text`` as ``render_text`` shows it (never in
    its math). Highlighters look for text without line breaks (the keyword bar's keywords
    are lines), so the plain parts are looked in at once."""
    if not text or len(text) > MAX_TEXT_LENGTH:
        return False  # shown escaped, unmarked
    return highlight.finds(_parts(text).plain)


def render_text(text: str | None, highlight: Highlighter | None = None) -> Markup:
    """Safe HTML for ``text`` with its math as MathML; ``highlight`` escapes and marks plain text.

    The text's parts (``_parts``) are kept, since the same titles and abstracts are rendered
    for every reader of a list and marked by every keyword bar. A text longer than
    ``MAX_TEXT_LENGTH`` is only escaped.
    """
    if not text:
        return Markup("")
    if len(text) > MAX_TEXT_LENGTH:
        return Markup(escaped(text))
    if highlight is None:
        return Markup(_render_plain(text))
    return Markup(_render(text, highlight))


_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
}  # fmt: skip  # a table reads better in rows than one entry a line
_ACCENT = re.compile(
    r"""(\{)?\\([\"'`^~=.]|[uvHck](?=[{\s]))\s*(?:\{\\?([A-Za-z])\}|\\?([A-Za-z]))(?(1)\})"""
)
# Kept in rows (fmt: skip): a table reads better than one entry a line.
_LETTERS = {r"\ss": "ß", r"\o": "ø", r"\O": "Ø", r"\aa": "å", r"\AA": "Å", r"\ae": "æ",
            r"\AE": "Æ", r"\l": "ł", r"\L": "Ł", r"\i": "ı", r"\oe": "œ", r"\OE": "Œ"}  # fmt: skip
_LETTER = re.compile(r"\{?(\\(?:ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i))(?![A-Za-z])\}?")


def untex_accents(text: str) -> str:
    """Accented letters written in TeX (``Schr\\"odinger``) as Unicode (``Schrödinger``)."""
    if "\\" not in text:
        return text

    def accent(match: re.Match[str]) -> str:
        letter = match.group(3) or match.group(4)
        return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(2)])

    text = _ACCENT.sub(accent, text)
    return _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)

"""TeX in arXiv text as MathML made on the server, everything else escaped.

``render_text`` turns a title or an abstract into safe HTML: text outside math is escaped
(and optionally highlighted), ``$...$``, ``$$...$$``, ``\\(...\\)`` and ``\\[...\\]`` become
MathML from ``latex2mathml``, which browsers render natively. A formula that cannot be
converted, or whose MathML falls outside a small allowlist, stays as its escaped TeX.

Dollar signs follow pandoc's rule so that prices are not taken for math: an opening ``$``
is followed by a non-space, a closing ``$`` is preceded by a non-space and not followed by a
digit; ``\\$`` is a literal dollar, and an unmatched ``$`` is plain text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from latex2mathml.converter import convert
from markupsafe import Markup, escape

MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
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

# Named functions (\\log n) get TeX's thin space before what they apply to.
_FUNCTION_NAME = re.compile(
    r"<mi>(?:arccos|arcsin|arctan|arg|cos|cosh|cot|coth|csc|deg|det|dim|exp|gcd|hom|inf|ker|lg"
    r"|lim|liminf|limsup|ln|log|max|min|Pr|sec|sin|sinh|sup|tan|tanh)</mi>(?=<m[ion]|<mrow)"
)
_XMLNS = ' xmlns="http://www.w3.org/1998/Math/MathML"'
# latex2mathml writes every symbol as a numeric entity; characters are a third of the bytes.
_ENTITY = re.compile(r"&#x([0-9A-Fa-f]{1,6});")
_KEEP_ESCAPED = frozenset({0x26, 0x3C, 0x3E, 0x22, 0x27})


def _character(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    if code in _KEEP_ESCAPED or code < 0x20 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return match.group(0)
    return chr(code)


_THIN_SPACE = '<mspace width="0.1667em"></mspace>'


def _spaced(match: re.Match[str]) -> str:
    closers = ("</mi>", "</mn>", "</mo>", "</mrow>")
    after_something = match.string.endswith(closers, 0, match.start())
    return (_THIN_SPACE if after_something else "") + match.group(0) + _THIN_SPACE


# A backslash command left in MathML text means latex2mathml did not know it.
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    math: bool = False
    display: bool = False
    source: str = ""  # the TeX as written, with its delimiters


def _closing_dollar(text: str, start: int) -> int:
    """Index of the ``$`` closing inline math opened just before ``start``, or -1."""
    i = start
    while True:
        i = text.find("$", i)
        if i == -1:
            return -1
        if text[i - 1] == "\\":
            i += 1
            continue
        if text[i - 1].isspace() or (i + 1 < len(text) and text[i + 1].isdigit()):
            i += 1
            continue
        return i


def split_math(text: str) -> list[Segment]:
    """The text cut into plain and math segments (delimiters removed from math)."""
    segments: list[Segment] = []
    plain: list[str] = []
    i, n = 0, len(text)

    def flush() -> None:
        if plain:
            segments.append(Segment("".join(plain)))
            plain.clear()

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "$":
                plain.append("$")
                i += 2
                continue
            if nxt in "([":
                close = "\\)" if nxt == "(" else "\\]"
                end = text.find(close, i + 2)
                if end != -1 and end > i + 2:
                    flush()
                    body = text[i + 2 : end]
                    segments.append(Segment(body, True, nxt == "[", text[i : end + 2]))
                    i = end + 2
                    continue
            plain.append(ch)
            i += 1
            continue
        if ch == "$":
            if text.startswith("$$", i):
                end = text.find("$$", i + 2)
                if end != -1 and text[i + 2 : end].strip():
                    flush()
                    segments.append(Segment(text[i + 2 : end], True, True, text[i : end + 2]))
                    i = end + 2
                    continue
                plain.append("$$")
                i += 2
                continue
            if i + 1 < n and not text[i + 1].isspace():
                end = _closing_dollar(text, i + 1)
                if end != -1:
                    flush()
                    segments.append(Segment(text[i + 1 : end], True, False, text[i : end + 1]))
                    i = end + 1
                    continue
        plain.append(ch)
        i += 1
    flush()
    return segments


def _allowed(element: ET.Element) -> bool:
    for node in element.iter():
        tag = node.tag
        if not isinstance(tag, str) or not tag.startswith(MATHML_NS):
            return False
        if tag[len(MATHML_NS) :] not in MATHML_ELEMENTS:
            return False
        if any(name not in MATHML_ATTRIBUTES for name in node.attrib):
            return False
        if node.text and _UNKNOWN_COMMAND.search(node.text):
            return False
    return True


@functools.lru_cache(maxsize=50_000)
def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """MathML for ``tex``, or None when it cannot be converted safely."""
    if not tex.strip() or len(tex) > MAX_FORMULA_LENGTH:
        return None
    try:
        mathml = convert(tex, display="block" if display else "inline")
        root = ET.fromstring(mathml)
    except Exception:  # latex2mathml raises many kinds of errors on bad TeX
        return None
    if not _allowed(root):
        return None
    # In HTML the parser puts <math> in the MathML namespace: the xmlns attribute is noise.
    mathml = mathml.replace(_XMLNS, "", 1)
    return _FUNCTION_NAME.sub(_spaced, _ENTITY.sub(_character, mathml))


Highlighter = Callable[[str], str]


def _escape(text: str) -> str:
    return str(escape(text))


def _render(text: str, highlight: Highlighter) -> str:
    out: list[str] = []
    for segment in split_math(text):
        if not segment.math:
            out.append(highlight(untex_accents(segment.text)))
            continue
        mathml = tex_to_mathml(segment.text.strip(), segment.display)
        if mathml is None:
            out.append(f'<span class="tex">{_escape(segment.source)}</span>')
        else:
            out.append(mathml)
    return "".join(out)


@functools.lru_cache(maxsize=20_000)
def _render_plain(text: str) -> str:
    return _render(text, _escape)


def render_text(text: str | None, highlight: Highlighter | None = None) -> Markup:
    """Safe HTML for ``text`` with its math as MathML; ``highlight`` escapes and marks plain text.

    Without a highlighter the result is cached, since the same titles and abstracts are
    rendered for every reader of a list.
    """
    if not text:
        return Markup("")
    if highlight is None:
        return Markup(_render_plain(text))
    return Markup(_render(text, highlight))


_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
}  # fmt: skip
_ACCENT = re.compile(
    r"""(\{)?\\([\"'`^~=.]|[uvHck](?=[{\s]))\s*(?:\{\\?([A-Za-z])\}|\\?([A-Za-z]))(?(1)\})"""
)
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

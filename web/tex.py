"""TeX in arXiv text as MathML made on the server, everything else escaped.

``render_text`` turns a title or an abstract into safe HTML: text outside math is escaped
(and optionally highlighted), ``$...$``, ``$$...$$``, ``\\(...\\)`` and ``\\[...\\]`` become
MathML from ``latex2mathml``, which browsers render natively. A formula that cannot be
converted, or whose MathML falls outside a small allowlist, stays as its escaped TeX.

latex2mathml copies the argument of ``\\text{...}`` and its kin into the MathML as it is,
so its output is never trusted: it is parsed, refused when it holds anything but allowed
MathML elements and attributes (comments, CDATA, processing instructions, a doctype, other
elements), and only the checked tree is written out again, escaped by this module. The
text is cut into math and plain segments in one pass, and a text longer than
``MAX_TEXT_LENGTH`` is shown as escaped plain text, so no input keeps a worker busy.

Dollar signs follow pandoc's rule so that prices are not taken for math: an opening ``$``
is followed by a non-space, a closing ``$`` is preceded by a non-space and not followed by a
digit; ``\\$`` is a literal dollar, and an unmatched ``$`` is plain text.
"""

from __future__ import annotations

import bisect
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
# Titles, abstracts and comments on arXiv are far shorter; a longer text is shown escaped.
MAX_TEXT_LENGTH = 20_000

# Named functions (\\log n) get TeX's thin space before what they apply to.
_FUNCTION_NAME = re.compile(
    r"<mi>(?:arccos|arcsin|arctan|arg|cos|cosh|cot|coth|csc|deg|det|dim|exp|gcd|hom|inf|ker|lg"
    r"|lim|liminf|limsup|ln|log|max|min|Pr|sec|sin|sinh|sup|tan|tanh)</mi>(?=<m[ion]|<mrow)"
)
_THIN_SPACE = '<mspace width="0.1667em"></mspace>'


def _spaced(match: re.Match[str]) -> str:
    closers = ("</mi>", "</mn>", "</mo>", "</mrow>")
    after_something = match.string.endswith(closers, 0, match.start())
    return (_THIN_SPACE if after_something else "") + match.group(0) + _THIN_SPACE


# A backslash command left in MathML text means latex2mathml did not know it.
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]+")


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


def _checked_tree(mathml: str) -> ET.Element | None:
    """``mathml`` parsed, or None unless it is allowed MathML elements, attributes and text.

    Comments, CDATA sections, processing instructions and doctypes are refused outright:
    a parser would drop or merge them, and with them whatever markup they hide.
    """
    if "<!" in mathml or "<?" in mathml:
        return None
    builder = ET.TreeBuilder(insert_comments=True, insert_pis=True)
    parser = ET.XMLParser(target=builder)
    try:
        parser.feed(mathml)
        root = parser.close()
    except ET.ParseError:
        return None
    for node in root.iter():
        tag = node.tag
        if not isinstance(tag, str) or not tag.startswith(MATHML_NS):
            return None
        if tag[len(MATHML_NS) :] not in MATHML_ELEMENTS:
            return None
        if any(name not in MATHML_ATTRIBUTES for name in node.attrib):
            return None
        if node.text and _UNKNOWN_COMMAND.search(node.text):
            return None
    return root


_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _serialize(root: ET.Element) -> str:
    """The checked tree as HTML: MathML names without namespace, all text escaped here."""
    out: list[str] = []
    # Iteratively, so that deeply nested formulas cannot exhaust the stack.
    stack: list[tuple[ET.Element, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        name = node.tag[len(MATHML_NS) :]
        if closing:
            out.append(f"</{name}>")
            if node.tail:
                out.append(node.tail.translate(_TEXT_ESCAPES))
            continue
        out.append(f"<{name}")
        for key, value in node.attrib.items():
            out.append(f' {key}="{value.translate(_ATTRIBUTE_ESCAPES)}"')
        out.append(">")
        if node.text:
            out.append(node.text.translate(_TEXT_ESCAPES))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(out)


@functools.lru_cache(maxsize=50_000)
def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """MathML for ``tex``, or None when it cannot be converted safely.

    The result is written from the checked tree, never copied from latex2mathml's output.
    """
    if not tex.strip() or len(tex) > MAX_FORMULA_LENGTH:
        return None
    try:
        root = _checked_tree(convert(tex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds of errors on bad TeX
        return None
    if root is None:
        return None
    return _FUNCTION_NAME.sub(_spaced, _serialize(root))


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
    rendered for every reader of a list. A text longer than ``MAX_TEXT_LENGTH`` is only
    escaped.
    """
    if not text:
        return Markup("")
    if len(text) > MAX_TEXT_LENGTH:
        return Markup(_escape(text))
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

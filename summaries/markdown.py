"""Answers as HTML: Markdown through markdown-it-py with raw HTML disabled, and TeX.

Math is recognised inside the Markdown parser, so that emphasis and escapes never reach
into a formula and code spans keep their dollars: ``$...$`` and ``\\(...\\)`` inline,
``$$...$$`` and ``\\[...\\]`` displayed (as a block of their own lines or within a
paragraph). Dollars follow pandoc's rule, so that prices are not read as math: an opening
``$`` is followed by a non-space, a closing one preceded by a non-space and not followed
by a digit. A formula is turned into MathML by the ``math`` function given (None if it
cannot be); without one, or when it fails, the TeX is shown as code.

Delimiters are looked up in tables made in one pass over the text, so that a text of
many openers that never close costs no more than one pass; an answer longer than
``MAX_MARKDOWN_LENGTH`` is shown as escaped plain text.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

# (tex, display) -> MathML, or None when the TeX cannot be converted.
MathRenderer = Callable[[str, bool], str | None]

_INLINE_CLOSERS = {"\\(": "\\)", "\\[": "\\]", "$$": "$$"}
# Answers are a few thousand characters; a longer text is not parsed but shown escaped.
MAX_MARKDOWN_LENGTH = 100_000


def _closes_inline_math(src: str, i: int, end: int) -> bool:
    """Whether the ``$`` at ``i`` closes inline math in ``src[:end]`` (pandoc's rule)."""
    before = src[i - 1]
    if before == "\\" or before.isspace():
        return False
    return not (i + 1 < end and src[i + 1].isdigit())


class _Occurrences:
    """Positions of a needle in one text, found in one pass, then looked up by bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._positions: dict[str, list[int]] = {}

    def positions(self, needle: str) -> list[int]:
        found = self._positions.get(needle)
        if found is None:
            text = self.text
            if needle == "$":  # the dollars that can close inline math at the text's end
                candidates = (m.start() for m in re.finditer(r"(?<=.)\$", text, re.S))
                found = [i for i in candidates if _closes_inline_math(text, i, len(text))]
            else:  # overlapping, as str.find sees them
                found = [m.start() for m in re.finditer(f"(?={re.escape(needle)})", text)]
            self._positions[needle] = found
        return found

    def find(self, needle: str, start: int, end: int) -> int:
        """``text.find(needle, start, end)``."""
        positions = self.positions(needle)
        k = bisect.bisect_left(positions, start)
        i = positions[k] if k < len(positions) else -1
        return i if i != -1 and i + len(needle) <= end else -1


def _occurrences(state: StateInline | StateBlock) -> _Occurrences:
    """The delimiter tables of the text ``state`` parses, made on first use."""
    table = getattr(state, "math_occurrences", None)
    if table is None or table.text is not state.src:
        table = _Occurrences(state.src)
        state.math_occurrences = table  # type: ignore[union-attr]  # kept with the text parsed
    return table


def _closing_dollar(state: StateInline, start: int, end: int) -> int:
    """The first ``$`` in ``src[start:end]`` that closes inline math, or -1."""
    src = state.src
    i = _occurrences(state).find("$", start, end)
    if i != -1 and i + 1 < end:
        return i
    # A dollar right before ``end`` may close here though a digit follows it in ``src``.
    last = end - 1
    if last >= start and src[last] == "$" and _closes_inline_math(src, last, end):
        return last
    return i


def _math_inline(state: StateInline, silent: bool) -> bool:
    src, pos, end = state.src, state.pos, state.posMax
    for opener, closer in _INLINE_CLOSERS.items():
        if src.startswith(opener, pos):
            close = _occurrences(state).find(closer, pos + len(opener), end)
            body = src[pos + len(opener) : close] if close != -1 else ""
            if close == -1 or not body.strip():
                return False
            if not silent:
                token = state.push("math_inline", "math", 0)
                token.content = body
                token.markup = opener
                token.meta = {"display": opener != "\\("}
            state.pos = close + len(closer)
            return True
    if src[pos] != "$" or pos + 1 >= end or src[pos + 1].isspace():
        return False
    close = _closing_dollar(state, pos + 1, end)
    if close == -1:
        return False
    if _occurrences(state).find("`", pos + 1, close) != -1:  # "$5 or `$x$`": a price, then code
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[pos + 1 : close]
        token.markup = "$"
        token.meta = {"display": False}
    state.pos = close + 1
    return True


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _closing_line(state: StateBlock, closer: str, start_line: int) -> int:
    """The first line from ``start_line`` on that holds ``closer``, or -1.

    The lines holding each closer are listed once per text, so that many formulas that
    never close do not each scan the rest of the answer.
    """
    table: dict[str, list[int]] | None = getattr(state, "math_closing_lines", None)
    if table is None:
        table = state.math_closing_lines = {}  # type: ignore[attr-defined]  # kept with the text
    lines = table.get(closer)
    if lines is None:
        lines = table[closer] = [k for k in range(state.lineMax) if closer in _line(state, k)]
    k = bisect.bisect_left(lines, start_line)
    return lines[k] if k < len(lines) else -1


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    begin = state.bMarks[start_line] + state.tShift[start_line]
    line_end = state.eMarks[start_line]
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    first = state.src[begin:line_end]
    if first.startswith("$$"):
        opener, closer = "$$", "$$"
    elif first.startswith("\\["):
        opener, closer = "\\[", "\\]"
    else:
        return False
    rest = first[len(opener) :]
    if closer in rest:
        body, after = rest.split(closer, 1)
        if after.strip():
            return False  # text follows the formula: an inline formula of a paragraph
        last = start_line
    else:
        last = _closing_line(state, closer, start_line + 1)
        if last == -1 or last >= end_line:
            return False  # never closed
        text = _line(state, last)
        inside, after = text.split(closer, 1)
        if after.strip():
            return False
        lines = [rest, *(_line(state, k) for k in range(start_line + 1, last)), inside]
        body = "\n".join(lines)
    if not body.strip():
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = body
    token.markup = opener
    token.map = [start_line, last + 1]
    state.line = last + 1
    return True


class MarkdownRenderer:
    """Renders answers; results are cached, as the same answers are served many times."""

    def __init__(self, math: MathRenderer | None = None, cache_size: int = 4096) -> None:
        self.math = math
        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.enable(["table", "strikethrough"])
        md.disable(["image"])  # no requests to other hosts from a summary
        md.inline.ruler.before("escape", "math_inline", _math_inline)
        md.block.ruler.before(
            "fence", "math_block", _math_block, {"alt": ["paragraph", "blockquote", "list"]}
        )
        # Render rules are bound to the renderer like methods: plain functions here.
        formula = self._formula

        def render_math_inline(renderer: Any, tokens: Sequence[Token], idx: int, *_: Any) -> str:
            token = tokens[idx]
            return formula(token, bool(token.meta.get("display")))

        def render_math_block(renderer: Any, tokens: Sequence[Token], idx: int, *_: Any) -> str:
            return f'<div class="math">{formula(tokens[idx], True)}</div>\n'

        md.add_render_rule("math_inline", render_math_inline)
        md.add_render_rule("math_block", render_math_block)
        md.add_render_rule("link_open", _render_link_open)
        self.md = md
        self.render: Callable[[str], str] = functools.lru_cache(maxsize=cache_size)(self._render)

    def _render(self, text: str) -> str:
        if len(text) > MAX_MARKDOWN_LENGTH:
            return f'<p class="plain">{escapeHtml(text)}</p>\n'
        return self.md.render(text)

    def _formula(self, token: Token, display: bool) -> str:
        mathml = self.math(token.content.strip(), display) if self.math is not None else None
        if mathml is not None:
            return mathml
        closer = _INLINE_CLOSERS.get(token.markup, token.markup)
        return f'<code class="tex">{escapeHtml(token.markup + token.content + closer)}</code>'


def _render_link_open(
    renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return renderer.renderToken(tokens, idx, options, env)

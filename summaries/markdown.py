"""Answers as HTML: Markdown through markdown-it-py with raw HTML disabled, and TeX.

Math is recognised inside the Markdown parser, so that emphasis and escapes never reach
into a formula and code spans keep their dollars: ``$...$`` and ``\\(...\\)`` inline,
``$$...$$`` and ``\\[...\\]`` displayed (as a block of their own lines or within a
paragraph). Dollars follow pandoc's rule, so that prices are not read as math: an opening
``$`` is followed by a non-space, a closing one preceded by a non-space and not followed
by a digit. A formula is turned into MathML by the ``math`` function given (None if it
cannot be); without one, or when it fails, the TeX is shown as code.
"""

from __future__ import annotations

import functools
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


def _closing_dollar(src: str, start: int, end: int) -> int:
    i = start
    while True:
        i = src.find("$", i, end)
        if i == -1:
            return -1
        if src[i - 1] == "\\" or src[i - 1].isspace() or (i + 1 < end and src[i + 1].isdigit()):
            i += 1
            continue
        return i


def _math_inline(state: StateInline, silent: bool) -> bool:
    src, pos, end = state.src, state.pos, state.posMax
    for opener, closer in _INLINE_CLOSERS.items():
        if src.startswith(opener, pos):
            close = src.find(closer, pos + len(opener), end)
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
    close = _closing_dollar(src, pos + 1, end)
    if close == -1 or "`" in src[pos + 1 : close]:  # "$5 or `$x$`": a price, then code
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[pos + 1 : close]
        token.markup = "$"
        token.meta = {"display": False}
    state.pos = close + 1
    return True


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
        lines = [rest]
        last = start_line + 1
        while last < end_line:
            text = state.src[state.bMarks[last] + state.tShift[last] : state.eMarks[last]]
            if closer in text:
                inside, after = text.split(closer, 1)
                if after.strip():
                    return False
                lines.append(inside)
                break
            lines.append(text)
            last += 1
        else:
            return False  # never closed
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
        self.render: Callable[[str], str] = functools.lru_cache(maxsize=cache_size)(md.render)

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

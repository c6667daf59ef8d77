"""Answers render as Markdown with raw HTML disabled, and TeX as MathML."""

from __future__ import annotations

import re

from summaries.markdown import MarkdownRenderer
from web.math import tex_to_mathml

render = MarkdownRenderer(tex_to_mathml).render


def test_markdown_with_inline_and_display_math() -> None:
    html = render("The **loss** is $L_i = x_i^2$.\n\n$$\n\\frac{a}{b}\n$$\n\n- one\n- two")
    assert "<strong>loss</strong>" in html
    assert re.search(r'<math[^>]* display="inline"', html)
    assert "<msub><mi>L</mi><mi>i</mi></msub>" in html  # the underscore never became <em>
    assert re.search(r'<div class="math"><math[^>]* display="block"', html)
    assert "<mfrac>" in html
    assert "<ul>\n<li>one</li>" in html


def test_paren_and_bracket_delimiters() -> None:
    html = render("Inline \\(a_b\\) and display \\[E=mc^2\\] here.")
    assert html.count("<math") == 2
    assert 'display="block"' in html


def test_raw_html_is_escaped_and_dangerous_links_are_dropped() -> None:
    html = render('<script>alert(1)</script> <img src=x onerror="y"> [x](javascript:alert(1))')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_links_get_rel_and_images_are_not_loaded() -> None:
    html = render("[site](https://example.org) ![pic](https://example.org/a.png)")
    assert 'rel="nofollow noopener noreferrer"' in html
    assert "<img" not in html


def test_prices_and_code_keep_their_dollars() -> None:
    html = render("It costs $5 or $6, and `$x$` is code.")
    assert "<math" not in html
    assert "<code>$x$</code>" in html


def test_unconvertible_tex_is_shown_escaped() -> None:
    html = render("Bad $\\text{<b>}$ and unknown $\\nosuchcommand{x}$.")
    assert "<b>" not in html
    assert '<code class="tex">$\\text{&lt;b&gt;}$</code>' in html
    assert "\\nosuchcommand" in html and html.count("<math") == 0


def test_without_a_math_renderer_tex_is_code() -> None:
    assert MarkdownRenderer().render("$x$") == '<p><code class="tex">$x$</code></p>\n'

"""Answers render as Markdown with raw HTML disabled, and TeX as MathML."""

from __future__ import annotations

import re

import pytest

from summaries.markdown import MAX_MARKDOWN_LENGTH, MarkdownRenderer
from tests.web.hostile_text import PAYLOADS, growth, markdown_offences, tex_wrappings
from web.tex import tex_to_mathml

render = MarkdownRenderer(tex_to_mathml).render


def test_markdown_with_inline_and_display_math() -> None:
    html = render("The **loss** is $L_i = x_i^2$.\n\n$$\n\\frac{a}{b}\n$$\n\n- one\n- two")
    assert "<strong>loss</strong>" in html
    assert re.search(r"<math>", html)  # inline: MathML's default display
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
    html = render("Bad $\\frac{a}{$ and unknown $\\nosuchcommand{x}$ or $\\text{<b>}$.")
    assert "<b>" not in html
    assert '<code class="tex">$\\frac{a}{$</code>' in html
    assert '<code class="tex">$\\nosuchcommand{x}$</code>' in html
    assert "<math><mtext>&lt;b&gt;</mtext></math>" in html  # markup in text stays text


def test_without_a_math_renderer_tex_is_code() -> None:
    assert MarkdownRenderer().render("$x$") == '<p><code class="tex">$x$</code></p>\n'


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_markup_in_answers_renders_as_text(payload: str) -> None:
    texts = [
        *tex_wrappings(payload),
        f"**{payload}**",
        f"[{payload}](https://example.org)",
        f"[x](javascript:{payload})",
        f"`{payload}`",
        f"- item\n  $\\text{{{payload}}}$",
        f"> $$\n> \\text{{{payload}}}\n> $$",
        f"$$\n\\mbox{{{payload}}}\n$$",
        f"| a |\n|---|\n| $\\text{{{payload}}}$ |",
    ]
    for text in texts:
        html = render(f"Answer: {text}\n\nend")
        assert markdown_offences(html) == [], text


def test_comments_in_tex_text_stay_text() -> None:
    html = render('Look: $\\text{<!--><img src=x onerror="alert(1)">-->}$')
    assert markdown_offences(html) == []
    assert "<mtext>&lt;!--&gt;&lt;img" in html


@pytest.mark.serial
@pytest.mark.parametrize("unit", ["$a ", "\\(a ", "$$a ", "$` ", "[$a ", "\\[\n", "> \\[\n"])
def test_math_scans_are_linear_in_the_answer(unit: str) -> None:
    def fresh(text: str) -> str:  # no cache between runs
        return MarkdownRenderer(tex_to_mathml).md.render(text)

    ratio, seconds = growth(fresh, unit * 1000, unit * 10000)
    assert ratio < 20, f"10x the answer took {ratio:.0f}x the time"
    assert seconds < 2.0


def test_a_dollar_closing_a_link_label_is_read_as_there() -> None:
    # The label ends right after the dollar, though a digit follows in the whole line.
    html = render("[cost $x$](https://example.org)5 and $y$1")
    assert html.count("<math") == 1 and "<a href" in html


def test_oversized_answer_is_escaped_plain_text() -> None:
    text = "<b>**$x$**</b>\n" * (MAX_MARKDOWN_LENGTH // 10)
    assert len(text) > MAX_MARKDOWN_LENGTH
    html = render(text)
    assert html.startswith('<p class="plain">&lt;b&gt;**$x$**&lt;/b&gt;')
    assert "<math" not in html and "<strong>" not in html
    assert markdown_offences(html) == []

"""TeX becomes MathML, everything else is escaped, and dollars that are not math stay text."""

from __future__ import annotations

import re

import pytest

from web.math import render_text, split_math, tex_to_mathml, untex_accents


def test_inline_and_display_math_become_mathml():
    html = str(render_text(r"Loss $\mathcal{L} = x^2$ and $$\sum_i a_i$$ or \(y\) \[z\]"))
    assert html.count("<math") == 4
    assert html.count('display="block"') == 2
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in html
    assert "$" not in html


def test_text_outside_math_is_escaped():
    html = str(render_text('<script>alert(1)</script> & "q" $a<b$'))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "<mo>&#x0003C;</mo>" in html


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10 per month.",
        "Budget between $ 3 and $4.",
        "An unbalanced $x dollar.",
        r"Escaped \$x\$ dollars.",
        "$$ nothing closes",
    ],
)
def test_dollars_that_are_not_math_stay_text(text):
    html = str(render_text(text))
    assert "<math" not in html
    assert "$" in html


def test_escaped_dollar_is_a_literal_dollar():
    assert str(render_text(r"\$5")) == "$5"


def test_unconvertible_tex_stays_readable_and_escaped():
    html = str(render_text(r"broken $\frac{a}{$ and unknown $\foo{a}$"))
    assert "<math" not in html
    assert r'<span class="tex">$\frac{a}{$</span>' in html
    assert r'<span class="tex">$\foo{a}$</span>' in html


def test_markup_smuggled_through_tex_text_is_refused():
    assert tex_to_mathml(r"\text{<script>alert(1)</script>}") is None
    html = str(render_text(r"$\text{<img src=x onerror=alert(1)>}$"))
    assert "<img" not in html
    assert "&lt;img" in html


def test_split_keeps_sources_for_fallback():
    segments = split_math(r"a $x$ b")
    assert [(s.text, s.math, s.source) for s in segments] == [
        ("a ", False, ""),
        ("x", True, "$x$"),
        (" b", False, ""),
    ]


def test_highlighter_sees_only_text_outside_math():
    seen: list[str] = []

    def highlight(text: str) -> str:
        seen.append(text)
        return re.sub("x", "<mark>x</mark>", text)

    html = str(render_text("x and $x$", highlight))
    assert seen == ["x and "]
    assert html.startswith("<mark>x</mark> and <math")


def test_tex_accents_become_unicode():
    assert untex_accents(r"Schr\"odinger, {\"u}ber, \'{e}t\'e, G\"{o}del, \ss") == (
        "Schrödinger, über, été, Gödel, ß"
    )
    assert str(render_text(r"Schr\"odinger")) == "Schrödinger"


def test_named_functions_get_thin_spaces():
    html = str(render_text(r"$n \log n$"))
    thin = '<mspace width="0.1667em"></mspace>'
    assert f"<mi>n</mi>{thin}<mi>log</mi>{thin}<mi>n</mi>" in html

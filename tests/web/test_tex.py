"""TeX becomes MathML, everything else is escaped, and dollars that are not math stay text."""

from __future__ import annotations

import re
import threading
import time

import lxml.html
import pytest

from tests.web.hostile_text import PAYLOADS, growth, tex_offences, tex_wrappings
from web.tex import (
    MAX_TEXT_LENGTH,
    checked_mathml,
    finds_in_text,
    render_text,
    split_math,
    tex_to_mathml,
    untex_accents,
)


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
    assert "<mo>&lt;</mo>" in html


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


def test_markup_smuggled_through_tex_text_stays_text():
    assert tex_to_mathml(r"\text{<script>alert(1)</script>}") == (
        "<math><mtext>&lt;script&gt;alert(1)&lt;/script&gt;</mtext></math>"
    )
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


class Xs:
    """A highlighter of the letter x, recording what it is given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def finds(self, text: str) -> bool:
        self.seen.append(text)
        return "x" in text

    def __call__(self, text: str) -> str:
        return re.sub("x", "<mark>x</mark>", text)


def test_highlighter_sees_only_text_outside_math():
    highlight = Xs()
    html = str(render_text("x and $x$", highlight))
    assert set(highlight.seen) == {"x and "}
    assert html.startswith("<mark>x</mark> and <math")


def test_text_without_marks_is_the_text_rendered_without_the_highlighter():
    highlight = Xs()
    text = r"Schr\"odinger's $y$ & <z>"
    assert render_text(text, highlight) == render_text(text)
    highlight.seen.clear()
    assert not finds_in_text(text, highlight)
    assert highlight.seen == ["Schrödinger's \n & <z>"]  # accents made letters, not escaped
    assert finds_in_text("x $y$", highlight) and not finds_in_text("$x$", highlight)


def test_tex_accents_become_unicode():
    assert untex_accents(r"Schr\"odinger, {\"u}ber, \'{e}t\'e, G\"{o}del, \ss") == (
        "Schrödinger, über, été, Gödel, ß"
    )
    assert str(render_text(r"Schr\"odinger")) == "Schrödinger"


def test_named_functions_apply_with_a_thin_space():
    html = str(render_text(r"$n \log n$"))
    # The function application operator (its reference written as the character).
    assert '<mi>log</mi></mrow><mo lspace="0.1667em">\u2061</mo><mi>n</mi>' in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_markup_in_and_around_tex_renders_as_text(payload):
    for text in tex_wrappings(payload):
        html = str(render_text(f"Title {text} end"))
        assert tex_offences(html) == [], text
        # What the hostile text said is still readable, as text.
        assert "end" in lxml.html.fragment_fromstring(html, create_parent="div").text_content()


@pytest.mark.parametrize(
    "tex",
    [
        r'\text{<!--><img/src="x"/onerror="alert(1)">-->}',
        r'\mbox{<!--><a href="javascript:alert(1)">x</a>-->}',
        r'\textrm{<!--><meta http-equiv="refresh" content="0;url=//example.org">-->}',
        r"\text{<![CDATA[<img src=x onerror=alert(1)>]]>}",
        r"\text{<?pi <img src=x onerror=alert(1)>?>}",
        r'\text{<!DOCTYPE x [<!ENTITY e "<img>">]>}',
        r"\text{&lt;img&gt; &#60;b&#62; &amp;lt;}",
        r'\hspace{1em"onmouseover="x}',
    ],
)
def test_comments_cdata_and_instructions_in_tex_are_text_or_refused(tex):
    html = tex_to_mathml(tex)
    assert html is None or (tex_offences(html) == [] and "<!" not in html and "<?" not in html)
    assert tex_offences(str(render_text(f"${tex}$ end"))) == []


@pytest.mark.parametrize(
    "mathml",
    [
        "<math><mi>x</mi><!-- --><img src=x onerror=alert(1)></math>",
        "<math><mtext><![CDATA[<img src=x onerror=alert(1)>]]></mtext></math>",
        "<math><?pi x?><mi>x</mi></math>",
        '<!DOCTYPE x [<!ENTITY e "<img>">]><math><mi>&e;</mi></math>',
        "<math><mi>x</mi><script>alert(1)</script></math>",
        '<math><mi onmouseover="alert(1)">x</mi></math>',
        '<math><mi href="javascript:alert(1)">x</mi></math>',
        '<math><mi class="a"b="c">x</mi></math>',
        '<math><mi mathvariant="x"onclick="y">x</mi></math>',
        '<math><mi mathvariant="<img>">x</mi></math>',
        "<math><mi>x</mo></mi></math>",
        "<math><mi>x</math>",
        "<math><mi>x</mi></math><math><mi>y</mi></math>",
        "<math><mi>x</mi></math><img src=x>",
        "<math><mi>x</mi></math>tail</math>",
        "text<math><mi>x</mi></math>",
        "<math><mi>&#60;img&#62;</mi></math>",
        "<math><mi>&nosuchname;</mi></math>",
        "<math><mi>a & b</mi></math>",
        "<math><mi>a < b</mi></math>",
        '<math><mtext><span class="other">x</span></mtext></math>',
        "<math><mspace/></math><mi>",
        "<math/>",
        "<mi>x</mi>",
    ],
)
def test_the_check_refuses_anything_but_allowed_mathml(mathml):
    # What the converter makes is checked as if it were hostile.
    assert checked_mathml(mathml) is None


def test_the_check_drops_text_emphasis_and_styles_and_writes_references_out():
    assert checked_mathml(
        '<math><mtext><b>bold</b> <span class="math-core-serif-font">AW</span></mtext>'
        '<mspace style="margin-left:-0.1667em;"/><mrow style="color:#FF0000;"><mi>z</mi></mrow>'
        '<mo lspace="0">&ApplyFunction;</mo><mo>&lt;</mo><mtext>&amp;lt;&quot;</mtext></math>'
    ) == (
        "<math><mtext>bold AW</mtext><mspace/><mrow><mi>z</mi></mrow>"
        '<mo lspace="0">\u2061</mo><mo>&lt;</mo><mtext>&amp;lt;&quot;</mtext></math>'
    )
    assert checked_mathml("<math><mi>&lt;</mi><mo>&LT;</mo></math>") == (
        "<math><mi>&lt;</mi><mo>&lt;</mo></math>"
    )


@pytest.mark.parametrize(
    ("opener", "closer", "depth"),
    [
        ("{", "}", 900),
        ("\\frac{", "}{y}", 150),
        ("\\sqrt{", "}", 280),
        ("x^{", "}", 490),
        ("\\left(", "\\right)", 140),
        ("\\begin{matrix}", "\\end{matrix}", 70),
    ],
)
def test_deeply_nested_formula_does_not_fail(opener, closer, depth):
    # As deep as the longest formula converted allows, in a worker thread as the site's
    # searches run (a converter written in Rust would abort the process on a stack overflow).
    tex = opener * depth + "x" + closer * depth
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(str(render_text(f"${tex}$"))))
    worker.start()
    worker.join()
    assert results[0].startswith("<math") and tex_offences(results[0]) == []


@pytest.mark.serial
@pytest.mark.parametrize("unit", ["$a ", r"\(a ", r"\[a ", "$$a ", "a$ $b ", "$5 $x "])
def test_splitting_is_linear_in_the_text(unit):
    small, large = unit * 2000, unit * 20000
    assert "".join(s.source or s.text for s in split_math(large)) == large
    ratio, seconds = growth(split_math, small, large)
    assert ratio < 20, f"10x the text took {ratio:.0f}x the time"  # a quadratic scan: ~100x
    assert seconds < 1.0


@pytest.mark.serial
def test_rendering_a_hostile_abstract_stays_fast():
    text = "$a " * 4000
    start = time.perf_counter()
    html = str(render_text(text))
    assert time.perf_counter() - start < 0.5
    assert "<math" not in html


def test_oversized_text_is_escaped_plain_text():
    text = "<b>$x$</b> " * (MAX_TEXT_LENGTH // 10)
    assert len(text) > MAX_TEXT_LENGTH
    html = str(render_text(text))
    assert "<math" not in html and "<b>" not in html
    assert html.startswith("&lt;b&gt;$x$&lt;/b&gt;")
    assert "<math" in str(render_text(text[:40]))

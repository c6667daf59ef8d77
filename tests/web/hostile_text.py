"""Hostile text for the renderers: payloads, what the HTML made of them may contain, and
how rendering time grows with the text.

``offences`` parses HTML as a browser's tokenizer does (lxml on libxml2 2.14+) and names
every element or attribute outside the allow-list, every comment or processing
instruction, and every ``javascript:`` URL; the payloads are the classic ways markup has
been smuggled through text that a site renders.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

import lxml.html
from hypothesis import strategies as st

from web.tex import MATHML_ATTRIBUTES, MATHML_ELEMENTS

# What render_text makes: MathML, a fallback span, and the keyword bar's marks.
TEX_ELEMENTS = MATHML_ELEMENTS | {"span", "mark"}
TEX_ATTRIBUTES = MATHML_ATTRIBUTES | {"class"}
# What an answer's Markdown makes (raw HTML and images disabled), with its math.
MARKDOWN_ELEMENTS = TEX_ELEMENTS | set(
    """p div em strong code pre ul ol li a blockquote h1 h2 h3 h4 h5 h6 hr br s del
    table thead tbody tr th td""".split()  # noqa: SIM905
)
MARKDOWN_ATTRIBUTES = TEX_ATTRIBUTES | {"href", "rel", "title", "start", "style"}

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '<a href="javascript:window.__xss=3">click</a>',
    '<meta http-equiv="refresh" content="0;url=/starred?hacked=1">',
    '<svg onload="window.__xss=4"><circle r=1></circle></svg>',
    '<iframe src="javascript:parent.__xss=5"></iframe>',
    "<style>body{display:none}</style>",
    '"><img src=x onerror=window.__xss=6>',
    "'><svg/onload=window.__xss=7>",
    '<!--><img src=x onerror="window.__xss=8">-->',
    '<!-- --!><img src=x onerror="window.__xss=9">-->',
    '<![CDATA[><img src=x onerror="window.__xss=10">]]>',
    '<?x ><img src=x onerror="window.__xss=11">?>',
    '&lt;img src=x onerror="window.__xss=12"&gt;',
    '&#60;img src=x onerror="window.__xss=13"&#62;',
    '</mtext></math><img src=x onerror="window.__xss=14">',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=15">',
    '<form action="javascript:window.__xss=16"><button>go</button></form>',
    '<base href="javascript:/">',
    '<object data="javascript:window.__xss=17"></object>',
]


# TeX commands whose argument becomes text in the MathML.
TEXT_COMMANDS = [r"\text", r"\mbox", r"\textrm", r"\mathrm", r"\textbf", r"\mathtt", r"\hbox"]


def tex_wrappings(payload: str) -> list[str]:
    """``payload`` as plain text and inside each TeX text command and math delimiter."""
    wrapped = [payload]
    for command in TEXT_COMMANDS:
        wrapped.append(f"${command}{{{payload}}}$")
    wrapped += [
        f"$$\\text{{{payload}}}$$",
        f"\\(\\text{{{payload}}}\\)",
        f"\\[\\mbox{{{payload}}}\\]",
        f"$x_{{\\text{{{payload}}}}}$",
        f"$\\frac{{\\text{{{payload}}}}}{{2}}$",
    ]
    return wrapped


def offences(html: str, elements: Iterable[str], attributes: Iterable[str]) -> list[str]:
    """Everything in ``html`` outside the allow-lists (empty when it is safe)."""
    if not html.strip():
        return []
    # lxml takes no control characters; in a page they are only text, shown as U+FFFD.
    html = _CONTROL.sub("\ufffd", html)
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return element_offences(root, elements, attributes)


def element_offences(
    root: lxml.html.HtmlElement, elements: Iterable[str], attributes: Iterable[str]
) -> list[str]:
    """Everything inside ``root`` (not ``root`` itself) outside the allow-lists."""
    allowed_elements, allowed_attributes = set(elements), set(attributes)
    found: list[str] = []
    for node in root.iterdescendants():
        if not isinstance(node.tag, str):
            found.append(f"{type(node).__name__}: {node.text!r}")
            continue
        if node.tag not in allowed_elements:
            found.append(f"element <{node.tag}>")
        for name, value in node.attrib.items():
            if name not in allowed_attributes:
                found.append(f"attribute {name} on <{node.tag}>")
            if "javascript:" in "".join(value.split()).lower():
                found.append(f"javascript: URL in {name} on <{node.tag}>")
            if name == "style" and not value.startswith("text-align:"):
                found.append(f"style {value!r} on <{node.tag}>")
    return found


def tex_offences(html: str) -> list[str]:
    return offences(html, TEX_ELEMENTS, TEX_ATTRIBUTES)


def markdown_offences(html: str) -> list[str]:
    return offences(html, MARKDOWN_ELEMENTS, MARKDOWN_ATTRIBUTES)


def _seconds(function: Callable[[str], object], text: str) -> float:
    start = time.perf_counter()
    function(text)
    return time.perf_counter() - start


def growth(function: Callable[[str], object], small: str, large: str) -> tuple[float, float]:
    """How many times longer ``large`` takes than ``small``, and its time in seconds.

    Timings are interleaved and the best kept, and a burst from a neighbour on a shared
    machine is measured again: a linear scan stays near 10x for a 10x text, a quadratic
    one near 100x however often it is measured.
    """
    ratio = large_seconds = float("inf")
    for _ in range(3):
        small_best = large_best = float("inf")
        for _ in range(3):
            small_best = min(small_best, _seconds(function, small))
            large_best = min(large_best, _seconds(function, large))
        ratio = min(ratio, large_best / max(small_best, 1e-4))
        large_seconds = min(large_seconds, large_best)
        if ratio < 20:
            break
    return ratio, large_seconds


FRAGMENTS = [
    *PAYLOADS,
    "<", ">", "&", '"', "'", "<!--", "-->", "--!>", "<![CDATA[", "]]>", "<?", "?>", "</", "/>",
    "&lt;", "&#60;", "&#x3c;", "&amp;", "&nbsp;", "javascript:", "onerror=", "<img", "<svg",
    "<math>", "</math>", "<mtext>", "</mtext>", "<mi>", "<a href=", "<style>", "<script>",
    "$", "$$", "\\$", "\\(", "\\)", "\\[", "\\]", "{", "}", "_", "^", "\\\\", "%", " ", "\n",
    "\\text{", "\\mbox{", "\\textrm{", "\\mathrm{", "\\hbox{", "\\frac{", "\\sqrt{", "\\log",
    "\\href{", "\\url{", "\\color{red}", "\\hspace{1em}", "\\begin{array}{c}", "\\end{array}",
    "\\\"o", "x", "1", "*", "`", "[", "](", ")", "- ", "> ", "|", "#",
]  # fmt: skip  # a list of fragments reads better in rows than one a line

# Text made of HTML-ish fragments, TeX commands and delimiters, and arbitrary characters.
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=40
).map("".join)

# A payload between fragments inside one of the text commands that copy their argument.
text_command = st.builds(
    "{}{{{}{}{}}}".format,
    st.sampled_from(TEXT_COMMANDS),
    st.sampled_from(["", *FRAGMENTS]),
    st.sampled_from(PAYLOADS),
    st.sampled_from(["", *FRAGMENTS]),
)

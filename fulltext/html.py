"""Extracting a :class:`FullText` from arXiv's HTML rendering of a paper (LaTeXML output).

LaTeXML marks up what matters with classes of its own, and only those are read: sections
(``section.ltx_section``, ``ltx_subsection``, ``ltx_subsubsection``, ``ltx_appendix``) with their
``h2``/``h3``... ``ltx_title`` headings and ``span.ltx_tag`` numbers, the anchors in their ``id``
(``S3``, ``S3.SS2``, ``A1``); paragraphs ``p.ltx_p``; mathematics as the TeX in
``math[alttext]``; figure and table captions; footnotes; the bibliography
(``section.ltx_bibliography li.ltx_bibitem``). The site around the paper (header, navigation,
footer, dialogs) and the macros LaTeXML could not convert (``ltx_ERROR``) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.etree
import lxml.html

from fulltext.document import FullText, Reference, Section
from fulltext.references import find_arxiv_id, find_doi

# Sections by their class, with their level; ltx_paragraph headings stay inside their section.
SECTION_LEVELS = {
    "ltx_section": 1,
    "ltx_appendix": 1,
    "ltx_subsection": 2,
    "ltx_subsubsection": 3,
}
# What arXiv shows instead of a paper when it has no HTML rendering of it.
NO_HTML_MARKERS = (
    "No HTML for",
    "HTML is not available for the source",
    "Conversion to HTML had a Fatal error",
    "conversion failed",
)
_SPACE = re.compile(r"\s+")
_NUMERIC_TAG = re.compile(r"^\[?\d+\]?\.?$")


class NotLaTeXML(ValueError):
    """The page is not a paper rendered by LaTeXML (arXiv's no-HTML notice, another site)."""


def _nodes(node: lxml.etree._Element, path: str) -> list[lxml.etree._Element]:
    """The elements ``path`` selects from ``node``."""
    found = node.xpath(path)
    return (
        [item for item in found if isinstance(item, lxml.etree._Element)]
        if isinstance(found, list)
        else []
    )


def _strings(node: lxml.etree._Element, path: str) -> list[str]:
    """The strings (text, attribute values) ``path`` selects from ``node``."""
    found = node.xpath(path)
    return [str(item) for item in found if isinstance(item, str)] if isinstance(found, list) else []


def _classes(element: lxml.etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def parse(content: bytes) -> lxml.html.HtmlElement:
    try:
        root = lxml.html.document_fromstring(content)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise NotLaTeXML(f"not an HTML page: {exc}") from None
    return root


def check_page(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The ``article.ltx_document`` of a LaTeXML page; raises :class:`NotLaTeXML` otherwise."""
    article = _first(root, "//article[contains(@class, 'ltx_document')]")
    if article is None:
        article = _first(root, "//div[contains(@class, 'ltx_page_content')]")
    if article is not None:
        return article
    text = _clean(root.text_content())[:4000]
    for marker in NO_HTML_MARKERS:
        if marker.lower() in text.lower():
            raise NotLaTeXML(f"arXiv has no HTML rendering of this version ({marker!r})")
    title = _clean(" ".join(_strings(root, "//title//text()")))[:80]
    raise NotLaTeXML(
        "the page is not a LaTeXML rendering (no ltx_document)"
        + (f"; its title is {title!r}" if title else "")
    )


def _first(root: lxml.etree._Element, path: str) -> lxml.html.HtmlElement | None:
    found = _nodes(root, path)
    return found[0] if found else None


# -- inline text ----------------------------------------------------------------------------


def _is_markup(node: lxml.etree._Element) -> bool:
    """Whether ``node`` is an element, not a comment or processing instruction (whose tag lxml
    gives as a function, though its stubs say a string)."""
    tag: object = node.tag
    return isinstance(tag, str)


def _is_skipped(element: lxml.etree._Element) -> bool:
    if not _is_markup(element):
        return True
    classes = _classes(element)
    return "ltx_ERROR" in classes or "ltx_note_mark" in classes


def _inline(element: lxml.etree._Element, notes: list[str], out: list[str]) -> None:
    """The text of ``element`` into ``out``: maths as ``$TeX$``, footnotes moved to ``notes``."""
    if element.text:
        out.append(element.text)
    for child in element:
        if not _is_skipped(child):
            _inline_child(child, notes, out)
        if child.tail:
            out.append(child.tail)


def _inline_child(child: lxml.etree._Element, notes: list[str], out: list[str]) -> None:
    tag = lxml.etree.QName(child).localname
    classes = _classes(child)
    if tag == "math":
        tex = child.get("alttext")
        if tex is None:
            tex = " ".join(_strings(child, ".//*[local-name()='annotation']/text()"))
        out.append(f"${_clean(tex)}$" if tex.strip() else "")
    elif "ltx_note" in classes:
        content = _nodes(child, ".//*[contains(@class, 'ltx_note_content')]")
        note: list[str] = []
        for part in content[:1] or [child]:
            _inline_note(part, notes, note)
        text = _clean("".join(note))
        if text:
            notes.append(text)
    elif "ltx_tag_note" in classes:
        return
    elif tag == "br":
        out.append(" ")
    else:
        _inline(child, notes, out)


def _inline_note(element: lxml.etree._Element, notes: list[str], out: list[str]) -> None:
    if element.text:
        out.append(element.text)
    for child in element:
        skip = _is_skipped(child) or "ltx_tag_note" in _classes(child)
        if not skip:
            _inline_child(child, notes, out)
        if child.tail:
            out.append(child.tail)


def inline_text(element: lxml.etree._Element, notes: list[str] | None = None) -> str:
    out: list[str] = []
    _inline(element, [] if notes is None else notes, out)
    return _clean("".join(out))


# -- blocks ---------------------------------------------------------------------------------


def _section_class(element: lxml.etree._Element) -> str | None:
    if not isinstance(element.tag, str) or element.tag != "section":
        return None
    return next((c for c in _classes(element) if c in SECTION_LEVELS), None)


def _blocks(element: lxml.etree._Element, heading: lxml.etree._Element | None) -> Iterator[str]:
    """The paragraphs of a section in reading order, without its subsections."""
    for child in element:
        if not isinstance(child.tag, str) or child is heading or _section_class(child):
            continue
        classes = _classes(child)
        tag = child.tag
        if "ltx_ERROR" in classes or "ltx_bibliography" in classes:
            continue
        if tag == "p" or "ltx_p" in classes:
            notes: list[str] = []
            text = inline_text(child, notes)
            if text:
                yield text
            yield from notes
        elif tag == "table" and ({"ltx_equation", "ltx_equationgroup"} & classes):
            maths = [m.get("alttext", "") for m in child.iter("{*}math", "math")]
            text = " ".join(f"${_clean(m)}$" for m in maths if m.strip())
            if text:
                yield text
        elif tag == "figure" or "ltx_figure" in classes or "ltx_table" in classes:
            for caption in child.iter("figcaption"):
                notes = []
                text = inline_text(caption, notes)
                if text:
                    yield text
                yield from notes
        elif tag == "table" and "ltx_tabular" in classes:
            continue
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            text = inline_text(child)
            if text:
                yield text
        else:
            yield from _blocks(child, None)


def _heading(section: lxml.etree._Element) -> lxml.etree._Element | None:
    for child in section:
        if (
            isinstance(child.tag, str)
            and child.tag.startswith("h")
            and ("ltx_title" in _classes(child))
        ):
            return child
    return None


def _number(heading: lxml.etree._Element | None) -> str:
    if heading is None:
        return ""
    tags = _nodes(heading, ".//span[contains(@class, 'ltx_tag')]")
    if not tags:
        return ""
    number = _clean("".join(_strings(tags[0], ".//text()")))
    return number.removeprefix("Appendix").strip().rstrip(".")


def _title(heading: lxml.etree._Element | None) -> str:
    if heading is None:
        return ""
    out: list[str] = []
    if heading.text:
        out.append(heading.text)
    for child in heading:
        is_tag = "ltx_tag" in _classes(child)
        if not is_tag and not _is_skipped(child):
            _inline_child(child, [], out)
        if child.tail:
            out.append(child.tail)
    return _clean("".join(out))


def _sections(article: lxml.etree._Element) -> list[Section]:
    sections: list[Section] = []

    def visit(element: lxml.etree._Element) -> None:
        for child in element:
            if not _is_markup(child):
                continue
            kind = _section_class(child)
            if kind is None:
                if child.tag != "section" or "ltx_bibliography" not in _classes(child):
                    visit(child)
                continue
            heading = _heading(child)
            sections.append(
                Section(
                    anchor=child.get("id") or f"S{len(sections) + 1}",
                    number=_number(heading),
                    title=_title(heading),
                    text="\n\n".join(_blocks(child, heading)),
                    level=SECTION_LEVELS[kind],
                )
            )
            visit(child)

    visit(article)
    return sections


# -- references, links, counts --------------------------------------------------------------


def _references(article: lxml.etree._Element) -> list[Reference]:
    references = []
    for item in _nodes(
        article,
        ".//section[contains(@class, 'ltx_bibliography')]//li[contains(@class, 'ltx_bibitem')]",
    ):
        parts = []
        for child in item:
            if not _is_markup(child):
                continue
            classes = _classes(child)
            if "ltx_bib_cited" in classes:
                continue
            text = inline_text(child)
            if "ltx_tag" in classes and _NUMERIC_TAG.match(text):
                continue
            if text:
                parts.append(text)
        text = _clean(" ".join(parts))
        hrefs = " ".join(_strings(item, ".//a/@href"))
        references.append(
            Reference(
                text=text,
                arxiv_id=find_arxiv_id(text) or find_arxiv_id(hrefs),
                doi=find_doi(hrefs) or find_doi(text),
            )
        )
    return references


def _links(article: lxml.etree._Element) -> list[str]:
    links: dict[str, None] = {}
    for href in _strings(article, ".//a/@href"):
        href = href.strip()
        if href.startswith(("http://", "https://")):
            links.setdefault(href, None)
    return list(links)


def _front_links(article: lxml.etree._Element) -> list[str]:
    """The links before the first section: the title block, the abstract, a teaser figure."""
    first = _nodes(article, ".//section[contains(@class, 'ltx_section')]")
    links = _links(article)
    if not first:
        return []
    after = set(_strings(first[0], "following::a/@href | descendant::a/@href"))
    before = {h.strip() for h in _strings(first[0], "preceding::a/@href")}
    return [link for link in links if link in before and link not in after]


def _count(article: lxml.etree._Element, kind: str) -> int:
    """Figures or tables, not counting the panels nested in one."""
    path = f".//figure[contains(concat(' ', @class, ' '), ' {kind} ')]"
    return sum(
        1
        for figure in _nodes(article, path)
        if not figure.xpath(f"ancestor::figure[contains(concat(' ', @class, ' '), ' {kind} ')]")
    )


def extract_html(content: bytes) -> FullText:
    """The full text of a LaTeXML page; raises :class:`NotLaTeXML` for any other page."""
    root = parse(content)
    article = check_page(root)
    title_element = _first(article, ".//h1[contains(@class, 'ltx_title_document')]")
    abstract = _nodes(article, ".//div[contains(@class, 'ltx_abstract')]//p")
    return FullText(
        source="html",
        sections=tuple(_sections(article)),
        references=tuple(_references(article)),
        links=tuple(_links(article)),
        title=inline_text(title_element) if title_element is not None else "",
        abstract="\n\n".join(t for t in (inline_text(p) for p in abstract) if t),
        figures=_count(article, "ltx_figure"),
        tables=_count(article, "ltx_table"),
        front_links=tuple(_front_links(article)),
    )

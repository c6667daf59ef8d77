"""Section citations of an answer as links into arXiv's HTML rendering of the paper.

Answers written from a full text cite sections as ``[§3.2]``, ``[§A.1]`` or ``[§2, §3.1]``.
In the rendered answer each cited number becomes a link to that section of arXiv's HTML
(``<base>/<id>v<n>#S3.SS2``, the anchor looked up among the stored sections) with the
section's title on hover. A number the paper does not have stays plain text, as does
anything inside code, mathematics or an existing link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from fulltext import store as fulltext_store
from fulltext.document import FullText

DEFAULT_HTML_BASE = "https://arxiv.org/html"

# "[§3.2]", "[§2, §3.1]", "[§§2-3]", "[§A.1; §B]": a bracket whose items are section numbers.
_CITATION = re.compile(r"\[(§[^\[\]<>]{1,80})\]")
_ITEM = re.compile(r"(§*\s*)([A-Za-z]?\d*(?:\.\d+)*)(\.?\s*)$")
_SEPARATOR = re.compile(r"(\s*[,;]\s*|\s*(?:and|&)\s+)")
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"^</?\s*([a-zA-Z0-9]+)")
# Elements whose text is never turned into links.
SKIPPED = frozenset({"a", "code", "pre", "math", "script", "style"})


@dataclass(frozen=True, slots=True)
class Target:
    anchor: str
    title: str


@dataclass(frozen=True, slots=True)
class SectionLinks:
    """Where the sections of one paper version are: ``url`` of its HTML rendering and the
    anchor and title of each section number."""

    url: str
    targets: dict[str, Target] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        document: FullText,
        paper_id: str,
        version: int,
        html_base: str = DEFAULT_HTML_BASE,
    ) -> SectionLinks:
        targets: dict[str, Target] = {}
        for section in document.sections:
            number = normalise(section.number)
            if number and number not in targets:
                targets[number] = Target(section.anchor, " ".join(section.title.split()))
        return cls(f"{html_base.rstrip('/')}/{paper_id}v{version}", targets)

    def href(self, target: Target) -> str:
        return f"{self.url}#{target.anchor}"


def normalise(number: str) -> str:
    """``3.2.`` and ``3.2`` are the same section; so are ``a.1`` and ``A.1``."""
    return number.strip().rstrip(".").upper()


def _link(links: SectionLinks, item: str) -> str:
    match = _ITEM.fullmatch(item)
    if match is None:
        return item
    marks, number, space = match.groups()
    target = links.targets.get(normalise(number)) if number else None
    if target is None:
        return item
    text = (marks.strip() or "§") + number
    return (
        f'<a class="cite" href="{escape(links.href(target))}" title="{escape(target.title)}"'
        f' rel="nofollow noopener noreferrer">{text}</a>{space}'
    )


def _link_citation(links: SectionLinks, match: re.Match[str]) -> str:
    inside = match.group(1)
    parts = _SEPARATOR.split(inside)
    # Even positions are items, odd ones the separators between them.
    linked = [part if i % 2 else _link(links, part) for i, part in enumerate(parts)]
    return "[" + "".join(linked) + "]"


def link_citations(html: str, links: SectionLinks | None) -> str:
    """``html`` with the cited sections it names as links (unchanged without ``links``)."""
    if links is None or not links.targets or "[§" not in html:
        return html
    pieces = _TAG.split(html)
    depth = 0  # how many skipped elements the text is inside
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            name = _TAG_NAME.match(piece)
            if name and name.group(1).lower() in SKIPPED and not piece.endswith("/>"):
                depth = max(0, depth - 1) if piece.startswith("</") else depth + 1
        elif depth == 0 and "[§" in piece:
            pieces[index] = _CITATION.sub(lambda m: _link_citation(links, m), piece)
    return "".join(pieces)


async def section_links(
    session: AsyncSession, paper_id: str, version: int, html_base: str = DEFAULT_HTML_BASE
) -> SectionLinks | None:
    """The section links of a paper version whose full text is stored, else None."""
    row = await fulltext_store.load(session, paper_id, version)
    if row is None or row.document is None:
        return None
    return SectionLinks.of(row.document, paper_id, version, html_base)

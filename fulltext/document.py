"""The extracted full text of one paper version, the same for an HTML page and a PDF.

A :class:`FullText` is plain data: sections in reading order, references, links. It turns into
JSON and back (:meth:`FullText.to_json`, :meth:`FullText.from_json`) for storage.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any


class FullTextStatus(enum.StrEnum):
    """How fetching the full text of a paper version ended."""

    OK = "ok"  # extracted and stored
    NONE = "none"  # arXiv has neither an HTML rendering nor a PDF of this version
    FAILED = "failed"  # fetching or extracting failed; the row says why (may pass on a retry)
    TOO_LARGE = "too_large"  # larger than FULLTEXT_MAX_MB


@dataclass(frozen=True, slots=True)
class Section:
    """One section (or subsection, or appendix) of a paper, in reading order.

    ``anchor`` is arXiv's HTML anchor (``S3``, ``S3.SS2``, ``A1``; for a PDF, made up the same
    way from the heading numbers, or ``S0`` when the text is one section); ``number`` as the
    paper prints it (``3.2``, ``A``; empty when unnumbered); ``level`` 1 for a section, 2 for a
    subsection, and so on. ``text`` holds the paragraphs separated by blank lines, mathematics
    as its TeX between ``$``, figure and table captions and footnotes as paragraphs of their own.
    """

    anchor: str
    number: str
    title: str
    text: str
    level: int = 1


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of the bibliography: its text, and its arXiv id and DOI when it names them."""

    text: str
    arxiv_id: str | None = None
    doi: str | None = None


@dataclass(frozen=True, slots=True)
class CodeLink:
    """A link to code or artefacts (GitHub, GitLab, Bitbucket, Codeberg, Hugging Face, a
    project page named as such). ``own`` is True for the paper's own code (named in the
    abstract, the comments or as the paper's), False for code it merely cites."""

    url: str
    host: str
    own: bool = False


@dataclass(frozen=True, slots=True)
class FullText:
    """What was extracted from one version's HTML page or PDF."""

    source: str  # "html" or "pdf"
    sections: tuple[Section, ...] = ()
    references: tuple[Reference, ...] = ()
    links: tuple[str, ...] = ()
    title: str = ""
    abstract: str = ""
    figures: int = 0
    tables: int = 0
    # The links of the front matter (title block, abstract, what precedes the first section):
    # where a paper names its own code.
    front_links: tuple[str, ...] = ()

    @property
    def chars(self) -> int:
        return sum(len(section.text) for section in self.sections)

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> FullText:
        data: dict[str, Any] = json.loads(text)
        return cls(
            source=data["source"],
            sections=tuple(Section(**s) for s in data.get("sections", ())),
            references=tuple(Reference(**r) for r in data.get("references", ())),
            links=tuple(data.get("links", ())),
            title=data.get("title", ""),
            abstract=data.get("abstract", ""),
            figures=data.get("figures", 0),
            tables=data.get("tables", 0),
            front_links=tuple(data.get("front_links", ())),
        )


@dataclass(frozen=True, slots=True)
class StoredFullText:
    """A paper version's row: how fetching ended, and the document when it is ``ok``."""

    paper_id: str
    version: int
    status: FullTextStatus
    source: str | None = None
    reason: str | None = None
    document: FullText | None = None
    code_links: tuple[CodeLink, ...] = field(default=())

"""The record every arXiv source is parsed into, before it reaches the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    name: str
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One version of a paper as arXiv lists it (OAI ``arXivRaw`` gives the full history)."""

    version: int
    submitted: dt.datetime | None = None
    size: str | None = None
    source_type: str | None = None


@dataclass(frozen=True, slots=True)
class AnnouncementRecord:
    """A paper listed in a daily feed: the day, how it was listed, and the feed's categories."""

    announced_on: dt.date
    type: str  # new, cross, replace, replace-cross
    feed_categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """One paper as one source describes it, at one version.

    ``arxiv_id`` never carries a version (``2401.01234``, ``hep-th/9901001``); ``version`` is
    the version this record describes. ``categories`` starts with the primary category.
    Fields a source does not give are None (or empty), never guessed.
    """

    arxiv_id: str
    version: int
    title: str
    abstract: str = ""
    authors: tuple[AuthorRecord, ...] = ()
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    report_no: str | None = None
    license: str | None = None
    withdrawn: bool = False
    versions: tuple[VersionRecord, ...] = ()
    announcement: AnnouncementRecord | None = None
    # False when the source names no version number (OAI ``arXiv``/``oai_dc``): ``version``
    # is then only a lower bound, and the record describes the latest version at harvest time.
    version_exact: bool = True


@dataclass(slots=True)
class ParsedDocument:
    """What one response (a feed, an API page, an OAI page) holds."""

    kind: str  # "rss", "atom-feed", "api", "oai", "snapshot"
    papers: list[PaperRecord] = field(default_factory=list)
    total_results: int | None = None  # API: opensearch:totalResults; OAI: completeListSize
    start_index: int | None = None
    resumption_token: str | None = None  # OAI; "" means the list is complete
    error: str | None = None  # an error document's message (it carries no papers)
    error_code: str | None = None  # OAI error code, e.g. "noRecordsMatch"
    feed_query: str | None = None  # RSS: the categories the feed was asked for
    problems: list[str] = field(default_factory=list)  # records skipped, one line each

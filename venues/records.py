"""What every venue source is parsed into, before it reaches the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class VenueAuthor:
    name: str
    affiliation: str | None = None
    variant: str | None = None  # the name in another script (the Anthology's ``hani``)


@dataclass(frozen=True, slots=True)
class VenuePaperRecord:
    """One accepted paper as its venue's source describes it.

    ``source`` and ``key`` make its id (``acl:2024.acl-long.1``); ``venue`` is
    ``<NAME>.<YEAR>`` (``ACL.2024``). Text fields are plain text, with math kept as ``$…$``.
    """

    source: str
    key: str
    venue: str
    title: str
    abstract: str = ""
    authors: tuple[VenueAuthor, ...] = ()
    track: str | None = None
    decision: str | None = None
    pages: str | None = None
    pdf_url: str | None = None
    landing_url: str | None = None
    keywords: tuple[str, ...] = ()
    tldr: str | None = None
    code_links: tuple[str, ...] = ()
    published: dt.datetime | None = None
    doi: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    position: int = 0

    @property
    def id(self) -> str:
        return f"{self.source}:{self.key}"


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A volume's front matter or preface: not a paper."""

    title: str
    url: str | None = None
    pdf_url: str | None = None


@dataclass(frozen=True, slots=True)
class VolumeRecord:
    id: str  # <source>:<volume key>
    venue: str
    source: str
    title: str = ""
    editors: tuple[str, ...] = ()
    front_matter: tuple[FrontMatter, ...] = ()


@dataclass(slots=True)
class ParsedVenue:
    """What one file, folder or crawl gave: papers, volumes, and the problems met."""

    kind: str  # "acl", "pmlr", "openreview", "cvf"
    papers: list[VenuePaperRecord] = field(default_factory=list)
    volumes: list[VolumeRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each; the rest was read
    skipped: int = 0  # records that could not be read

    def extend(self, other: ParsedVenue) -> None:
        self.papers.extend(other.papers)
        self.volumes.extend(other.volumes)
        self.problems.extend(other.problems)
        self.skipped += other.skipped


class VenueError(ValueError):
    """A source that cannot be read at all (malformed file, missing ``_config.yml``,
    unknown venue); the message says which and why."""

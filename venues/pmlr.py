"""A PMLR volume (``mlresearch/v<N>``: ``_config.yml`` and ``_posts/*.md``) as venue papers.

The venue is ``<shortname>.<year>`` from ``_config.yml`` (its ``year``: the ``start``/``end``
dates of some volumes are wrong). Each post's YAML front matter is one paper; a post in the
``Preface`` section is front matter, kept apart. A post that does not parse is left out and
named; a folder without ``_config.yml`` is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from venues.names import venue_name
from venues.records import (
    FrontMatter,
    ParsedVenue,
    VenueAuthor,
    VenueError,
    VenuePaperRecord,
    VolumeRecord,
)
from venues.text import code_links, plain_tex, squeeze

SITE = "https://proceedings.mlr.press"
PREFACE_SECTIONS = {"preface", "front matter"}


def is_pmlr_volume(path: Path) -> bool:
    return path.is_dir() and ((path / "_config.yml").is_file() or (path / "_posts").is_dir())


def front_matter(text: str, origin: str) -> dict:
    """The YAML block between the first two ``---`` lines of a post."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise VenueError(f"{origin}: no front matter (the file must start with ---)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise VenueError(f"{origin}: the front matter is not closed by ---") from None
    return _load("\n".join(lines[1:end]), origin)


def _load(text: str, origin: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise VenueError(f"{origin}: malformed YAML: {squeeze(str(exc))}") from None
    if not isinstance(data, dict):
        raise VenueError(f"{origin}: the YAML is not a mapping")
    return data


def _date(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def _author(item: object) -> VenueAuthor | None:
    if not isinstance(item, dict):
        return None
    name = squeeze(f"{item.get('given') or ''} {item.get('family') or ''}")
    return VenueAuthor(name) if name else None


@dataclass(slots=True)
class VolumeReader:
    """A volume read post by post: from a folder (``parse_volume``) or over HTTP."""

    venue: str
    volume: str  # v247
    title: str
    editors: tuple[str, ...]
    parsed: ParsedVenue = field(default_factory=lambda: ParsedVenue("pmlr"))
    front: list[FrontMatter] = field(default_factory=list)

    def add(self, data: dict, origin: str) -> None:
        """One post's front matter; ``VenueError`` when it has no id or title."""
        record = _paper(data, self.venue, self.volume, origin)
        if (record.track or "").lower() in PREFACE_SECTIONS:
            self.front.append(FrontMatter(record.title, record.landing_url, record.pdf_url))
            return
        if not record.abstract:
            self.parsed.problems.append(f"{origin} ({record.id}): no abstract")
        self.parsed.papers.append(record)

    def finish(self) -> ParsedVenue:
        papers = sorted(
            self.parsed.papers, key=lambda r: (int(r.extra.get("order", 0) or 0), r.key)
        )
        self.parsed.papers = [replace(r, position=i) for i, r in enumerate(papers, start=1)]
        self.parsed.volumes = [
            VolumeRecord(
                f"pmlr:{self.volume}",
                self.venue,
                "pmlr",
                self.title,
                self.editors,
                tuple(self.front),
            )
        ]
        return self.parsed


def read_config(text: str, origin: str) -> VolumeReader:
    """A volume's ``_config.yml``; ``VenueError`` when it is malformed or incomplete."""
    config = _load(text, origin)
    short, year, number = config.get("shortname"), config.get("year"), config.get("volume")
    if not short or not str(year or "").isdigit() or not number:
        raise VenueError(f"{origin}: shortname, year and volume are required")
    editors = tuple(a.name for e in config.get("editor") or [] if (a := _author(e)))
    return VolumeReader(
        venue_name(str(short), str(year)),
        f"v{number}",
        squeeze(str(config.get("booktitle") or "")),
        editors,
    )


def parse_volume(folder: Path) -> ParsedVenue:
    """The papers of a volume folder; ``VenueError`` when its ``_config.yml`` is missing or
    unreadable. Bad posts are left out, each named in ``problems``."""
    config_path = folder / "_config.yml"
    if not config_path.is_file():
        raise VenueError(f"{folder}: no _config.yml (not a PMLR volume folder)")
    reader = read_config(
        config_path.read_text(encoding="utf-8", errors="replace"), str(config_path)
    )
    posts = sorted((folder / "_posts").glob("*.md")) if (folder / "_posts").is_dir() else []
    if not posts:
        reader.parsed.problems.append(f"{folder}: no posts in _posts/")
    for post in posts:
        try:
            reader.add(
                front_matter(post.read_text(encoding="utf-8", errors="replace"), str(post)),
                str(post),
            )
        except VenueError as exc:
            reader.parsed.problems.append(f"{exc}; skipped")
            reader.parsed.skipped += 1
    return reader.finish()


def _paper(data: dict, venue: str, volume: str, origin: str) -> VenuePaperRecord:
    paper_id = str(data.get("id") or "").strip()
    title = squeeze(str(data.get("title") or ""))
    if not paper_id or not title:
        raise VenueError(f"{origin}: no {'id' if not paper_id else 'title'}")
    abstract = plain_tex(str(data.get("abstract") or ""))
    links = []
    for item in data.get("extras") or []:
        if isinstance(item, dict) and item.get("link"):
            label = str(item.get("label") or "").lower()
            if "code" in label or code_links(str(item["link"])):
                links.append(str(item["link"]))
    extra: dict[str, object] = {"order": data.get("order") or 0}
    if data.get("openreview"):
        extra["openreview"] = str(data["openreview"])
    supplements = [
        {"label": str(i.get("label") or ""), "url": str(i["link"])}
        for i in data.get("extras") or []
        if isinstance(i, dict) and i.get("link")
    ]
    if supplements:
        extra["extras"] = supplements
    pages = data.get("page") or (
        f"{data['firstpage']}-{data['lastpage']}" if data.get("firstpage") else None
    )
    return VenuePaperRecord(
        source="pmlr",
        key=f"{volume}/{paper_id}",
        venue=venue,
        title=title,
        abstract=abstract,
        authors=tuple(a for item in data.get("author") or [] if (a := _author(item))),
        track=squeeze(str(data.get("section") or "")) or None,
        pages=str(pages) if pages else None,
        pdf_url=str(data.get("pdf") or f"{SITE}/{volume}/{paper_id}/{paper_id}.pdf"),
        landing_url=f"{SITE}/{volume}/{paper_id}.html",
        code_links=tuple(dict.fromkeys([*links, *code_links(abstract)])),
        published=_date(data.get("date")),
        extra=extra,
    )

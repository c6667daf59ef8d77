"""The ACL Anthology's volume XML (``data/xml/<collection>.xml``) parsed into venue papers.

A collection (``2024.acl``, or old-style ``P17``) holds volumes (``long``, ``short``, ``1``),
each with its ``<meta>``, maybe a ``<frontmatter>`` (kept apart from the papers) and its
``<paper>``s. Paper keys are the Anthology's: ``2024.acl-long.1``, ``P17-1002``. Titles and
abstracts lose their inline markup (``<fixed-case>``, ``<i>``, ``<b>``, ``<url>``) and keep
``<tex-math>`` as ``$…$``; an author's ``<variant script="hani">`` is kept as their name in
Han characters.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from venues.names import ANTHOLOGY_LETTERS, venue_name
from venues.records import (
    FrontMatter,
    ParsedVenue,
    VenueAuthor,
    VenueError,
    VenuePaperRecord,
    VolumeRecord,
)
from venues.text import code_links, squeeze

SITE = "https://aclanthology.org"
_NEW_COLLECTION = re.compile(r"(\d{4})\.([a-z0-9-]+)", re.ASCII | re.IGNORECASE)
_OLD_COLLECTION = re.compile(r"([A-Z])(\d{2})", re.ASCII)
MONTHS = {
    name: i
    for i, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


def looks_like_anthology(head: bytes) -> bool:
    """Whether the first bytes of a file are an Anthology collection."""
    return b"<collection" in head[:2048]


def _text(element: etree._Element | None) -> str:
    """The text of ``element`` with inline markup dropped and ``<tex-math>`` as ``$…$``."""
    if element is None:
        return ""
    parts: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "tex-math":
            parts.append(f"${''.join(child.itertext())}$")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def collection_venue(collection: str) -> tuple[str, int]:
    """``2024.acl`` → (``acl``, 2024); ``P17`` → (``ACL``, 2017)."""
    if match := _NEW_COLLECTION.fullmatch(collection):
        return match.group(2), int(match.group(1))
    if match := _OLD_COLLECTION.fullmatch(collection):
        short = int(match.group(2))
        year = 2000 + short if short < 60 else 1900 + short
        return ANTHOLOGY_LETTERS.get(match.group(1), match.group(1)), year
    raise VenueError(f"collection id {collection!r} is neither 2024.acl nor P17 style")


def paper_key(collection: str, volume: str, paper: str) -> str:
    if _OLD_COLLECTION.fullmatch(collection):
        width = max(1, 4 - len(volume))
        return f"{collection}-{volume}{int(paper):0{width}d}"
    return f"{collection}-{volume}.{paper}"


def _name(element: etree._Element) -> tuple[str, str]:
    first = squeeze(_text(element.find("first")))
    last = squeeze(_text(element.find("last")))
    return first, last


def _author(element: etree._Element) -> VenueAuthor:
    first, last = _name(element)
    variant = None
    for alternative in element.findall("variant"):
        if alternative.get("script") == "hani":
            v_first, v_last = _name(alternative)
            variant = (v_last + v_first).replace(",", "").replace("，", "")
    affiliation = squeeze(_text(element.find("affiliation"))) or None
    return VenueAuthor(squeeze(f"{first} {last}"), affiliation, variant or None)


def _published(meta: etree._Element | None, year: int) -> dt.datetime:
    month_text = squeeze(_text(meta.find("month"))) if meta is not None else ""
    month = MONTHS.get(month_text.split("-")[0].strip().lower(), 1)
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


def parse_anthology(data: bytes, origin: str = "<data>") -> ParsedVenue:
    """The papers and volumes of one collection file; raises ``VenueError`` when it is not
    well-formed XML or not a collection. Papers that cannot be read are left out, each
    named in ``problems``."""
    try:
        root = etree.fromstring(
            data, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        )
    except etree.XMLSyntaxError as exc:
        raise VenueError(f"{origin}: malformed XML: {exc}") from None
    if root.tag != "collection" or not root.get("id"):
        raise VenueError(f"{origin}: not an ACL Anthology collection (no <collection id>)")
    collection = root.get("id", "")
    name, year = collection_venue(collection)
    venue = venue_name(name, year)
    parsed = ParsedVenue("acl")
    position = 0
    for volume in root.iter("volume"):
        volume_id = volume.get("id", "")
        meta = volume.find("meta")
        booktitle = squeeze(_text(meta.find("booktitle"))) if meta is not None else ""
        editors = tuple(
            squeeze(" ".join(_name(e)))
            for e in (meta.findall("editor") if meta is not None else [])
        )
        front = []
        for item in volume.findall("frontmatter"):
            url = squeeze(_text(item.find("url")))
            front.append(
                FrontMatter(
                    "Front matter",
                    f"{SITE}/{url}/" if url else None,
                    f"{SITE}/{url}.pdf" if url else None,
                )
            )
        volume_key = f"{collection}-{volume_id}"
        parsed.volumes.append(
            VolumeRecord(f"acl:{volume_key}", venue, "acl", booktitle, editors, tuple(front))
        )
        published = _published(meta, year)
        for element in volume.findall("paper"):
            number = element.get("id", "")
            key = squeeze(_text(element.find("url"))) or (
                paper_key(collection, volume_id, number) if number.isdigit() else ""
            )
            where = f"{origin}: volume {volume_id} paper {number or '?'}"
            title = squeeze(_text(element.find("title")))
            if not key or not title:
                parsed.problems.append(f"{where}: no {'id' if not key else 'title'}; skipped")
                parsed.skipped += 1
                continue
            abstract = squeeze(_text(element.find("abstract")))
            if not abstract:
                parsed.problems.append(f"{where} ({key}): no abstract")
            links = [e.get("url", "") for e in element.findall("pwccode") if e.get("url")]
            extra: dict[str, object] = {"volume_title": booktitle}
            if language := squeeze(_text(element.find("language"))):
                extra["language"] = language
            if bibkey := squeeze(_text(element.find("bibkey"))):
                extra["bibkey"] = bibkey
            position += 1
            parsed.papers.append(
                VenuePaperRecord(
                    source="acl",
                    key=key,
                    venue=venue,
                    title=title,
                    abstract=abstract,
                    authors=tuple(_author(a) for a in element.findall("author")),
                    track=volume_id or None,
                    pages=squeeze(_text(element.find("pages"))) or None,
                    pdf_url=f"{SITE}/{key}.pdf",
                    landing_url=f"{SITE}/{key}/",
                    code_links=tuple(dict.fromkeys([*links, *code_links(abstract)])),
                    published=published,
                    doi=squeeze(_text(element.find("doi"))) or None,
                    extra=extra,
                    position=position,
                )
            )
    return parsed

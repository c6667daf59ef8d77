"""OpenReview: the accepted papers of a venue through its API, v2 (2023 on) and v1 (before).

A venue ``ICLR.2024`` is OpenReview's group ``ICLR.cc/2024/Conference`` (``venue_group``).
API v2 lists the accepted papers as ``GET /notes?content.venueid=<group>``; their content
fields are wrapped (``"title": {"value": …}``) and ``venue`` says the decision ("ICLR 2024
oral") and, for a paper of a track, the track ("NeurIPS 2023 Datasets and Benchmarks Poster",
``venueid`` ``NeurIPS.cc/2023/Track/Datasets_and_Benchmarks``); main-conference papers have
no track. API v1 lists every blind submission (``invitation=<group>/-/Blind_Submission``) with
bare content values; those whose ``venue`` names a rejection, a withdrawal or a mere
submission are left out. Both answer ``{"notes": [...], "count": N}`` and page with
``offset``/``limit``.

``parse_notes`` reads one page; ``venues.crawl`` walks the pages.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from venues.names import parse_venue
from venues.records import VenueAuthor, VenueError, VenuePaperRecord
from venues.text import code_links, plain_tex, squeeze

SITE = "https://openreview.net"
PAGE_SIZE = 1000
# OpenReview's group of a venue, where it is not ``<NAME>.cc/<YEAR>/Conference``.
GROUPS = {
    "COLM": "colmweb.org/COLM/{year}/Conference",
    "CoRL": "robot-learning.org/CoRL/{year}/Conference",
    "UAI": "auai.org/UAI/{year}/Conference",
}
DECISIONS = ("oral", "spotlight", "poster")
# A v1 ``venue`` naming one of these is not an accepted paper.
NOT_ACCEPTED = re.compile(r"submitted|withdrawn|reject|desk", re.IGNORECASE)


def venue_group(venue: str) -> str:
    """``ICLR.2024`` → ``ICLR.cc/2024/Conference``; ``VenueError`` for a malformed name."""
    parsed = parse_venue(venue)
    if parsed is None:
        raise VenueError(f"not a venue name: {venue!r} (expected NAME.YEAR, e.g. ICLR.2024)")
    name, year = parsed
    return GROUPS.get(name, "{name}.cc/{year}/Conference").format(name=name, year=year)


def decision_of(text: str | None) -> str | None:
    """The decision a venue text names: ``ICLR 2024 oral`` → ``oral``; else None."""
    lowered = (text or "").lower()
    return next((d for d in DECISIONS if d in lowered), None)


_TRACK_GROUP = re.compile(r"/Track/([^/]+)")
_TRACK_TEXT = re.compile(r"^\S+\s+\d{4}\s+(.+?)\s+track\b", re.IGNORECASE)


def track_of(text: str | None, venueid: str | None = None) -> str | None:
    """The track a note's ``venueid`` (``…/Track/Datasets_and_Benchmarks``) or ``venue`` text
    (``NeurIPS 2024 Datasets and Benchmarks Track poster``) names; None for the main one."""
    if match := _TRACK_GROUP.search(venueid or ""):
        return squeeze(match.group(1).replace("_", " ")) or None
    if match := _TRACK_TEXT.search(squeeze(text or "")):
        return match.group(1)
    return None


@dataclass(slots=True)
class NotesPage:
    papers: list[VenuePaperRecord] = field(default_factory=list)
    notes: int = 0  # notes on the page, accepted or not
    count: int | None = None  # the total the API announced
    problems: list[str] = field(default_factory=list)


def _value(content: dict, name: str) -> object:
    """A content field in either API: v2 wraps it (``{"value": …}``), v1 does not."""
    item = content.get(name)
    if isinstance(item, dict) and "value" in item:
        return item["value"]
    return item


def _text(content: dict, name: str) -> str:
    value = _value(content, name)
    return squeeze(value) if isinstance(value, str) else ""


def _strings(content: dict, name: str) -> tuple[str, ...]:
    value = _value(content, name)
    if isinstance(value, str):
        value = [part for part in re.split(r"[,;]", value)]
    if not isinstance(value, list):
        return ()
    return tuple(s for item in value if isinstance(item, str) and (s := squeeze(item)))


def _millis(value: object) -> dt.datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    return None


def parse_notes(data: bytes, venue: str, *, api: str) -> NotesPage:
    """One page of ``GET /notes`` as the accepted papers of ``venue``; ``VenueError`` when
    the body is not the API's JSON. A note that cannot be read is left out and named."""
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VenueError(f"OpenReview {api}: the answer is not JSON ({exc})") from None
    if not isinstance(body, dict) or not isinstance(body.get("notes"), list):
        raise VenueError(f"OpenReview {api}: the answer has no list of notes")
    page = NotesPage(notes=len(body["notes"]))
    if isinstance(body.get("count"), int):
        page.count = body["count"]
    for note in body["notes"]:
        try:
            record = _paper(note, venue, api)
        except VenueError as exc:
            page.problems.append(str(exc))
            continue
        if record is not None:
            page.papers.append(record)
    return page


def _paper(note: object, venue: str, api: str) -> VenuePaperRecord | None:
    if not isinstance(note, dict) or not isinstance(note.get("content"), dict):
        raise VenueError(f"OpenReview {api}: a note without content; skipped")
    content = note["content"]
    forum = str(note.get("forum") or note.get("id") or "").strip()
    title = _text(content, "title")
    if not forum or not title:
        missing = "id" if not forum else "title"
        raise VenueError(f"OpenReview {api}: note {forum or '?'} has no {missing}; skipped")
    said = _text(content, "venue")
    if api == "v1" and (not said or NOT_ACCEPTED.search(said)):
        return None
    abstract = plain_tex(_text(content, "abstract"))
    names = _strings(content, "authors")
    pdf = _text(content, "pdf")
    if pdf.startswith("/"):
        pdf = f"{SITE}/pdf?id={forum}"
    code = _text(content, "code")
    extra: dict[str, object] = {"api": api}
    if said:
        extra["venue_text"] = said
    if area := _text(content, "primary_area"):
        extra["primary_area"] = area
    links = [code] if code.startswith(("http://", "https://")) else []
    return VenuePaperRecord(
        source="openreview",
        key=forum,
        venue=venue,
        title=title,
        abstract=abstract,
        authors=tuple(VenueAuthor(n) for n in names),
        track=track_of(said, _text(content, "venueid")),
        decision=decision_of(said),
        pdf_url=pdf or f"{SITE}/pdf?id={forum}",
        landing_url=f"{SITE}/forum?id={forum}",
        keywords=_strings(content, "keywords"),
        tldr=_text(content, "TLDR") or _text(content, "TL;DR") or None,
        code_links=tuple(dict.fromkeys([*links, *code_links(abstract)])),
        published=_millis(note.get("pdate") or note.get("odate") or note.get("cdate")),
        extra=extra,
        position=int(note["number"]) if isinstance(note.get("number"), int) else 0,
    )


def notes_request(group: str, *, api: str, offset: int, limit: int = PAGE_SIZE) -> dict[str, str]:
    """The query of one page of a venue's papers in API ``api``."""
    if api == "v2":
        query = {"content.venueid": group}
    else:
        query = {"invitation": f"{group}/-/Blind_Submission"}
    return {**query, "offset": str(offset), "limit": str(limit)}

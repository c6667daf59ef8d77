"""Text rules shared by every format: whitespace, dates, author lists, categories, withdrawal.

TeX is kept exactly as arXiv gives it (``$\\Omega$``, ``R\\'emy``); XML entities are undone
once, by the XML parser, and never again here.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from functools import lru_cache

from crawler.records import AuthorRecord

UTC = dt.UTC


def clean(text: str | None) -> str:
    """Collapse runs of whitespace (newlines included) to one space and strip the ends."""
    return " ".join(text.split()) if text else ""


def clean_or_none(text: str | None) -> str | None:
    """``clean``, with an empty result as None (so that a title ``0`` stays ``"0"``)."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned if cleaned != "" else None


# --- dates -----------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


@lru_cache(maxsize=256)
def parse_rfc2822(text: str) -> dt.datetime:
    """``Thu, 24 Sep 2026 00:00:00 -0400`` as an aware datetime in its own offset."""
    text = text.strip()
    parts = text.split()
    # The common case, arXivRaw's "Wed, 23 Jan 2008 21:06:41 GMT", without the email module.
    if len(parts) == 6 and parts[5] == "GMT" and parts[2] in _MONTHS:
        try:
            hh, mm, ss = parts[4].split(":")
            return dt.datetime(
                int(parts[3]),
                _MONTHS[parts[2]],
                int(parts[1]),
                int(hh),
                int(mm),
                int(ss),
                tzinfo=UTC,
            )
        except ValueError:
            pass
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"not an RFC 2822 date: {text!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def parse_iso(text: str) -> dt.datetime:
    """``2022-02-24T15:05:19Z`` (or any ISO 8601 date-time) as an aware UTC datetime."""
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_day(text: str) -> dt.datetime:
    """``2007-04-30`` as midnight UTC of that day."""
    day = dt.date.fromisoformat(text.strip())
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


# --- authors ---------------------------------------------------------------------------------

_PARENS = re.compile(r"([()])")
_SEPARATORS_RAW = re.compile(r"\s*[,;:]\s*(?:and\s+)?|\s+and\s+")  # arXiv's authors line
_SEPARATORS_JOINED = re.compile(r"\s*,\s*")  # feeds: names joined by ", "
_ET_AL = re.compile(r"(?:^|\s+)et(?:\.\s*|\s+)al\b\.?$", re.IGNORECASE)
_LEGEND_START = re.compile(r"\s*\(\s*\d+\s*\)")
_LEGEND_SPLIT = re.compile(r"\(\s*(\d+)\s*\)\s*\.?")
_NUMBER_REFS = re.compile(r"\s*\d+(?:\s*(?:,|and|&)\s*\d+)*\s*")


def split_authors(text: str | None, *, raw: bool = True) -> tuple[AuthorRecord, ...]:
    """Split an author line into names with their affiliations, in order.

    ``raw=True`` reads arXiv's free-form authors line (OAI ``arXivRaw``, the snapshot):
    authors are separated by commas, semicolons, colons (``CDF Collaboration: T. Aaltonen``)
    and `` and ``; ``raw=False`` reads the feeds' ``dc:creator``, where names are joined by
    ``", "`` only. Separators inside parentheses never split. A parenthesised group after a
    name is its affiliation; numbered groups ``(1,2)`` refer to a trailing legend
    ``((1) Univ A, (2) Univ B)``. ``et al`` is dropped.
    """
    text = clean(text)
    if not text:
        return ()
    separators = _SEPARATORS_RAW if raw else _SEPARATORS_JOINED
    if "(" not in text:
        return tuple(
            AuthorRecord(name) for name in map(_without_et_al, separators.split(text)) if name
        )
    chunks = _chunks(text, separators)
    legend: dict[str, str] = {}
    for _, groups in chunks:
        for group in groups:
            if _LEGEND_START.match(group):
                legend.update(_parse_legend(group))
    authors = []
    for name, groups in chunks:
        name = _without_et_al(name)
        if not name:
            continue
        affiliations: list[str] = []
        for group in groups:
            if _LEGEND_START.match(group):
                continue
            if legend and _NUMBER_REFS.fullmatch(group):
                affiliations.extend(legend.get(n, n) for n in re.findall(r"\d+", group))
            elif group := clean(group):
                affiliations.append(group)
        authors.append(AuthorRecord(name, ", ".join(affiliations) or None))
    return tuple(authors)


def _without_et_al(name: str) -> str:
    """``T. Aaltonen et al`` as ``T. Aaltonen``; a bare ``et al.`` as ``""``."""
    return _ET_AL.sub("", name) if "al" in name else name


def _chunks(text: str, separators: re.Pattern[str]) -> list[tuple[str, list[str]]]:
    """Names at parenthesis depth 0, each with the parenthesised groups that follow it."""
    chunks: list[tuple[str, list[str]]] = []
    name_parts: list[str] = []
    groups: list[str] = []
    group: list[str] = []
    depth = 0

    def flush() -> None:
        name = clean("".join(name_parts))
        if name:
            chunks.append((name, groups[:]))
        elif groups and chunks:
            chunks[-1][1].extend(groups)
        name_parts.clear()
        groups.clear()

    for piece in _PARENS.split(text):
        if piece == "(":
            if depth:
                group.append(piece)
            depth += 1
        elif piece == ")":
            if not depth:
                continue  # a stray closing parenthesis
            depth -= 1
            if depth:
                group.append(piece)
            else:
                groups.append("".join(group))
                group.clear()
        elif depth:
            group.append(piece)
        else:
            first, *rest = separators.split(piece)
            name_parts.append(first)
            for part in rest:
                flush()
                name_parts.append(part)
    if group:  # unbalanced: keep what was inside
        groups.append("".join(group))
    flush()
    return chunks


def _parse_legend(group: str) -> dict[str, str]:
    parts = _LEGEND_SPLIT.split(group)
    return {
        number: clean(affiliation).strip(" ,;")
        for number, affiliation in zip(parts[1::2], parts[2::2], strict=True)
    }


def author_from_parts(
    keyname: str | None, forenames: str | None, suffix: str | None, affiliations: list[str]
) -> AuthorRecord | None:
    """An author from arXiv's parsed form, named ``forenames keyname suffix`` like the feeds."""
    name = " ".join(p for p in (clean(forenames), clean(keyname), clean(suffix)) if p)
    if not name:
        return None
    affiliation = ", ".join(a for a in (clean(x) for x in affiliations) if a)
    return AuthorRecord(name, affiliation or None)


# --- categories ------------------------------------------------------------------------------

# arXiv categories (cs.LG, hep-th, physics.atom-ph, cond-mat.stat-mech); the API also lists
# ACM (I.2.6) and MSC (68T05) classes as categories, which are not arXiv categories.
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?")


def ordered_categories(primary: str | None, terms: list[str]) -> tuple[str, ...]:
    """Primary first, then the others in order, without duplicates or non-arXiv codes."""
    seen: dict[str, None] = {}
    if primary:
        seen[primary] = None
    for term in terms:
        if term and term not in seen and _CATEGORY.fullmatch(term):
            seen[term] = None
    return tuple(seen)


# --- withdrawal ------------------------------------------------------------------------------

_WITHDRAWN = re.compile(
    r"\s*(?:this\s+(?:paper|article|manuscript|submission|preprint|work)\s+(?:has\s+been|is)\s+"
    r"withdrawn|(?:paper\s+)?withdrawn\b)",
    re.IGNORECASE,
)


def says_withdrawn(*texts: str | None) -> bool:
    """Whether a comment or abstract opens with arXiv's withdrawal notice."""
    return any(text and _WITHDRAWN.match(text) for text in texts)

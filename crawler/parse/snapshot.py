"""arXiv's metadata snapshot (the Kaggle dataset): one JSON object per line.

Each line holds ``id``, ``submitter``, ``authors``, ``title``, ``comments``, ``journal-ref``,
``doi``, ``report-no``, ``categories``, ``license``, ``abstract``, ``versions`` (``[{"version":
"v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...]``), ``update_date`` and
``authors_parsed`` (``[[keyname, forenames, suffix, affiliation...], ...]``). The whole file
is several gigabytes, so it is read line by line and nothing is kept.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from crawler.ids import InvalidArxivId, parse_arxiv_id
from crawler.parse.errors import ParseError
from crawler.parse.text import (
    author_from_parts,
    clean,
    clean_or_none,
    ordered_categories,
    parse_rfc2822,
    says_withdrawn,
    split_authors,
)
from crawler.records import AuthorRecord, PaperRecord, VersionRecord

DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024


def iter_snapshot(
    lines: Iterable[str | bytes],
    *,
    on_problem: Callable[[str], None] | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[PaperRecord]:
    """Yield one paper per line, lazily, from any iterable of lines (an open file works).

    A line that is not a JSON object raises ParseError. A JSON object that is not a usable
    paper (no valid id, a bad date) raises too, unless ``on_problem`` is given: then it is
    told one line about it and the paper is skipped. Blank lines are ignored.
    """
    for number, line in enumerate(lines, 1):
        if len(line) > max_line_bytes:
            raise ParseError(f"snapshot line {number} is longer than {max_line_bytes:,} bytes")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ParseError(f"snapshot line {number}: invalid JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise ParseError(f"snapshot line {number}: not a JSON object")
        try:
            yield snapshot_paper(obj)
        except (InvalidArxivId, ValueError, TypeError, KeyError, AttributeError) as exc:
            message = f"snapshot line {number}: {exc}"
            if on_problem is None:
                raise ParseError(message) from None
            on_problem(message)


def snapshot_paper(obj: dict[str, Any]) -> PaperRecord:
    """One snapshot object as a paper at its latest version."""
    arxiv_id = parse_arxiv_id(str(obj["id"])).id
    versions = sorted(
        (
            VersionRecord(
                int(str(v["version"]).strip().lstrip("vV")),
                submitted=parse_rfc2822(v["created"]).astimezone(dt.UTC)
                if v.get("created")
                else None,
            )
            for v in obj.get("versions") or ()
        ),
        key=lambda v: v.version,
    )
    terms = clean(obj.get("categories")).split()
    categories = ordered_categories(terms[0] if terms else None, terms)
    comment = clean_or_none(obj.get("comments"))
    abstract = clean(obj.get("abstract"))
    first = versions[0] if versions and versions[0].version == 1 else None
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=versions[-1].version if versions else 1,
        version_exact=bool(versions),
        title=clean(obj.get("title")),
        abstract=abstract,
        authors=_authors(obj),
        primary_category=categories[0] if categories else None,
        categories=categories,
        published=first.submitted if first else None,
        updated=versions[-1].submitted if versions else None,
        comment=comment,
        journal_ref=clean_or_none(obj.get("journal-ref")),
        doi=clean_or_none(obj.get("doi")),
        report_no=clean_or_none(obj.get("report-no")),
        license=clean_or_none(obj.get("license")),
        withdrawn=says_withdrawn(comment, abstract),
        versions=tuple(versions),
    )


def _authors(obj: dict[str, Any]) -> tuple[AuthorRecord, ...]:
    parsed = obj.get("authors_parsed")
    if not parsed:
        return split_authors(obj.get("authors"), raw=True)
    authors = []
    for parts in parsed:
        keyname, forenames, suffix, *affiliations = [*parts, "", "", ""][: max(len(parts), 3)]
        author = author_from_parts(keyname, forenames, suffix, affiliations)
        if author is not None:
            authors.append(author)
    return tuple(authors)

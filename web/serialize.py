"""Papers and lists as JSON, the shape of the JSON API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from crawler.ids import abs_url, pdf_url
from fulltext.document import CodeLink
from models.schema import Paper
from web.listing import ListResult
from web.templating import has_html, html_url
from web.tex import render_text, untex_accents


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def code_links_json(links: Sequence[CodeLink]) -> list[dict[str, object]]:
    return [{"url": link.url, "host": link.host, "own": link.own} for link in links]


def paper_json(
    paper: Paper,
    *,
    html: bool = False,
    versions: bool = True,
    code_links: Sequence[CodeLink] | None = None,
) -> dict[str, object]:
    """A paper as the API gives it; ``html`` adds its title and abstract as safe HTML with
    MathML (what the site itself shows); ``code_links`` (found in its full text: its own
    code, ``own``, or code it cites) are given when known."""
    data: dict[str, object] = {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": [a.name for a in paper.authors],
        "primary_category": paper.primary_category,
        "categories": [c.category for c in paper.categories],
        "published": _iso(paper.published),
        "updated": _iso(paper.updated),
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "abs_url": abs_url(paper.id),
        "pdf_url": pdf_url(paper.id),
        "html_url": html_url(paper.id, paper.version) if has_html(paper) else None,
    }
    if code_links is not None:
        data["code_links"] = code_links_json(code_links)
    if versions:
        data["versions"] = [
            {"version": v.version, "submitted": _iso(v.submitted), "size": v.size}
            for v in paper.versions
        ]
    if html:
        data["title_html"] = str(render_text(paper.title))
        data["abstract_html"] = str(render_text(paper.abstract))
        data["authors_display"] = [untex_accents(a.name) for a in paper.authors]
    return data


def list_json(result: ListResult) -> dict[str, object]:
    listing, wanted = result.listing, result.request
    day = listing.day.isoformat() if listing.day else None
    return {
        "categories": list(listing.categories),
        "exclude": list(listing.exclude),
        "expression": str(wanted.expression),
        "date": day,
        "previous_date": listing.previous_day.isoformat() if listing.previous_day else None,
        "next_date": listing.next_day.isoformat() if listing.next_day else None,
        "from_announcements": listing.from_announcements,
        "types": wanted.types,
        "type_counts": {str(k): v for k, v in listing.type_counts.items()},
        "total": len(listing.papers),
        "matching": result.matching,
        "has": wanted.has,
        "with_code": result.with_code,
        "papers": [
            {
                **paper_json(entry.item.paper, versions=False),
                "announce_type": entry.item.announce_type and str(entry.item.announce_type),
                "matches": entry.verdict.matches if entry.verdict else None,
                "code_url": code.url if (code := result.code.get(entry.item.paper.id)) else None,
            }
            for entry in result.entries
        ],
    }

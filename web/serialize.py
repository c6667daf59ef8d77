"""Papers as JSON, the shape of the JSON API."""

from __future__ import annotations

import datetime as dt

from crawler.ids import abs_url, pdf_url
from models.schema import Paper


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def paper_json(paper: Paper) -> dict[str, object]:
    return {
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
    }

"""What a list URL asks for: categories, day, announcement types and keywords, and its papers.

The list page, its feed and the JSON list API read the same parameters:
``/arxiv/<categories>?date=YYYY-MM-DD&types=new|cross|all&include=...&exclude=...&mode=and&only=1``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from models.queries import DayListing, ListedPaper, list_day
from models.schema import AnnounceType
from web.categories import CategoryExpression, InvalidCategories, parse_categories
from web.keywords import KeywordFilter, Verdict

TYPE_CHOICES: dict[str, frozenset[AnnounceType] | None] = {
    "all": None,
    "cross": frozenset({AnnounceType.NEW, AnnounceType.CROSS}),
    "new": frozenset({AnnounceType.NEW}),
}
CHOICES = {"mode": ("", "or", "and"), "only": ("", "0", "1")}  # empty: the default
DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
LIST_PARAMETERS = ("date", "types", "include", "exclude", "mode", "only")


class BadListRequest(ValueError):
    """A list URL that cannot be served: ``status`` is 404 or 400."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class ListRequest:
    expression: CategoryExpression
    day: dt.date | None = None
    types: str = "all"
    keywords: KeywordFilter = field(default_factory=KeywordFilter)

    @classmethod
    def parse(cls, categories: str, params: Mapping[str, str]) -> ListRequest:
        try:
            expression = parse_categories(categories)
        except InvalidCategories as error:
            raise BadListRequest(404, str(error)) from None
        day = None
        if date_text := params.get("date"):
            try:
                if not DAY.fullmatch(date_text):
                    raise ValueError(date_text)
                day = dt.date.fromisoformat(date_text)
            except ValueError:
                raise BadListRequest(400, "date must be YYYY-MM-DD") from None
        types = params.get("types") or "all"
        if types not in TYPE_CHOICES:
            raise BadListRequest(400, "types must be one of new, cross, all")
        for name, allowed in CHOICES.items():
            if params.get(name, "") not in allowed:
                raise BadListRequest(400, f"{name} must be one of {', '.join(allowed[1:])}")
        return cls(expression, day, types, KeywordFilter.from_query(params))

    def query(self, **changes: object) -> str:
        """The query string of this list, with ``changes`` (None drops a parameter)."""
        values: dict[str, object] = {
            "date": self.day.isoformat() if self.day else None,
            "types": None if self.types == "all" else self.types,
        }
        values.update(changes)
        items = [(k, str(v)) for k, v in values.items() if v is not None]
        items.extend(self.keywords.query_items())
        return urlencode(items)


@dataclass(frozen=True, slots=True)
class Entry:
    item: ListedPaper
    verdict: Verdict | None  # None when no keyword is set


@dataclass(frozen=True, slots=True)
class ListResult:
    request: ListRequest
    listing: DayListing
    entries: list[Entry]  # what to show: every paper, or only the matching ones
    matching: int  # papers that pass the keyword filter


async def fetch_list(session: AsyncSession, request: ListRequest) -> ListResult:
    expression = request.expression
    listing = await list_day(
        session,
        expression.include,
        request.day,
        exclude=expression.exclude,
        types=TYPE_CHOICES[request.types],
    )
    if not request.keywords.active:
        entries = [Entry(item, None) for item in listing.papers]
        return ListResult(request, listing, entries, len(entries))
    matcher = request.keywords.matcher()
    judged = [Entry(item, matcher.judge(item.paper)) for item in listing.papers]
    matching = sum(1 for e in judged if e.verdict.matches)
    if request.keywords.only:
        judged = [e for e in judged if e.verdict.matches]
    return ListResult(request, listing, judged, matching)

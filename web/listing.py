"""What a list URL asks for: categories, day, announcement types and keywords, and its papers.

The list page, its feed and the JSON list API read the same parameters:
``/arxiv/<categories>?date=YYYY-MM-DD&types=new|cross|all&include=...&exclude=...&mode=and&only=1``
and ``has=code`` to keep only the papers with a link to code (read from their full texts);
the page alone also reads ``view=topics`` (the papers grouped by topic) and ``sort=popular``
(the most read first).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from fulltext import store as fulltext_store
from fulltext.document import CodeLink
from models.queries import DayListing, ListedPaper, list_day
from models.schema import AnnounceType
from web.categories import CategoryExpression, InvalidCategories, parse_categories
from web.keywords import KeywordFilter, Verdict

TYPE_CHOICES: dict[str, frozenset[AnnounceType] | None] = {
    "all": None,
    "cross": frozenset({AnnounceType.NEW, AnnounceType.CROSS}),
    "new": frozenset({AnnounceType.NEW}),
}
# Parameters with a fixed set of values (empty: the default).
CHOICES = {
    "mode": ("", "or", "and"),
    "only": ("", "0", "1"),
    "has": ("", "code"),
    "view": ("", "list", "topics"),
    "sort": ("", "announced", "popular"),
}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
LIST_PARAMETERS = ("date", "types", "include", "exclude", "mode", "only", "has", "view", "sort")


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
    has: str | None = None  # "code": only the papers with a code link
    view: str | None = None  # "topics": the papers grouped by topic (the page only)
    sort: str | None = None  # "popular": the most read first (the page only)

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
        has = params.get("has") or None
        view = "topics" if params.get("view") == "topics" else None
        sort = "popular" if params.get("sort") == "popular" else None
        return cls(expression, day, types, KeywordFilter.from_query(params), has, view, sort)

    def query(self, **changes: object) -> str:
        """The query string of this list, with ``changes`` (None drops a parameter)."""
        values: dict[str, object] = {
            "date": self.day.isoformat() if self.day else None,
            "types": None if self.types == "all" else self.types,
            "has": self.has,
            "view": self.view,
            "sort": self.sort,
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
    code: dict[str, CodeLink] = field(default_factory=dict)  # the code link of each paper
    with_code: int = 0  # papers of the listing with a code link


def page_entries(result: ListResult) -> Iterator[tuple]:
    """The entries of a list's page, as ``web.templating.entry_pieces`` takes them."""
    code = result.code
    for e in result.entries:
        yield e.item.paper, e.item.announce_type, e.verdict, code.get(e.item.paper.id), None


def code_link(links: tuple[CodeLink, ...] | list[CodeLink]) -> CodeLink | None:
    """The link to show as a paper's code: its own code first, else the first one."""
    return next((link for link in links if link.own), links[0] if links else None)


async def fetch_list(session: AsyncSession, request: ListRequest) -> ListResult:
    result = await _fetch_list(session, request)
    ids = [item.paper.id for item in result.listing.papers]
    links = await fulltext_store.code_links(session, ids)  # one query for the page
    code = {paper_id: link for paper_id, found in links.items() if (link := code_link(found))}
    entries = result.entries
    if request.has == "code":
        entries = [e for e in entries if e.item.paper.id in code]
    return dataclasses.replace(result, entries=entries, code=code, with_code=len(code))


async def _fetch_list(session: AsyncSession, request: ListRequest) -> ListResult:
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

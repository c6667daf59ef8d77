"""Which papers of an announcement day match a subscription, and why.

Each distinct follow is evaluated once per run whatever the number of subscriptions holding
it: a saved search by the search index (the day's papers among its newest matches, with the
spans its words match computed for those papers only), an author by the folded spellings of
the day's authors, a category list by the day's announcements, a venue by the papers'
journal references.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from alerts.follows import Follow, fold_name
from models.schema import Announcement, AnnounceType, Paper, PaperAuthor
from models.summary import Summary, SummaryStatus
from search import parse_query, sqlite
from search.engine import MAX_LIMIT, filters_of
from search.highlight import highlight_spans
from search.indexing import supports_index
from search.options import shared_analyzer
from search.query import Field

# How far before the day a new paper's publication may lie (weekends, holidays).
PUBLISHED_SLACK = dt.timedelta(days=10)
FAQ_LINE_CHARS = 240
Span = tuple[int, int]


@dataclass(slots=True)
class DayPaper:
    paper: Paper
    day: dt.date
    categories: set[str]
    authors: set[str]
    venue: str


@dataclass(slots=True)
class PaperMatch:
    """A paper of the digest: the follows it matched, the spans to highlight, the authors
    followed, and one line of its FAQ when it has one."""

    paper: Paper
    day: dt.date
    reasons: list[Follow] = field(default_factory=list)
    title_spans: list[Span] = field(default_factory=list)
    abstract_spans: list[Span] = field(default_factory=list)
    authors: set[str] = field(default_factory=set)
    faq_line: str | None = None


async def day_papers(session: AsyncSession, days: list[dt.date]) -> dict[str, DayPaper]:
    """The visible papers newly announced (new or cross-listed) on ``days``."""
    rows = await session.execute(
        select(Announcement.paper_id, Announcement.category, Announcement.announced_on).where(
            Announcement.announced_on.in_(days),
            Announcement.type.in_((AnnounceType.NEW, AnnounceType.CROSS)),
        )
    )
    announced: dict[str, tuple[dt.date, set[str]]] = {}
    for paper_id, category, day in rows:
        entry = announced.setdefault(paper_id, (day, set()))
        entry[1].add(category)
    found: dict[str, DayPaper] = {}
    ids = list(announced)
    for start in range(0, len(ids), 500):
        papers = await session.scalars(
            select(Paper)
            .where(Paper.id.in_(ids[start : start + 500]), Paper.hidden.is_(False))
            .options(
                selectinload(Paper.authors).joinedload(PaperAuthor.author),
                selectinload(Paper.categories),
            )
        )
        for paper in papers:
            day, categories = announced[paper.id]
            categories |= {c.category for c in paper.categories}
            found[paper.id] = DayPaper(
                paper,
                day,
                categories,
                {fold_name(a.name) for a in paper.authors},
                fold_name(paper.journal_ref or ""),
            )
    return found


def _in_category(codes: tuple[str, ...], categories: set[str]) -> bool:
    return any(c in categories or any(x.startswith(c + ".") for x in categories) for c in codes)


@dataclass(slots=True)
class Hit:
    title_spans: list[Span] = field(default_factory=list)
    abstract_spans: list[Span] = field(default_factory=list)
    authors: set[str] = field(default_factory=set)


class DayMatcher:
    """The matches of follows over the papers of some days, each follow evaluated once."""

    def __init__(self, session: AsyncSession, papers: dict[str, DayPaper]) -> None:
        self.session = session
        self.papers = papers
        self._cache: dict[Follow, dict[str, Hit]] = {}
        self._first_day = min((p.day for p in papers.values()), default=None)

    async def matches_of(self, follow: Follow) -> dict[str, Hit]:
        if follow not in self._cache:
            self._cache[follow] = await self._evaluate(follow)
        return self._cache[follow]

    async def _evaluate(self, follow: Follow) -> dict[str, Hit]:
        if not self.papers:
            return {}
        if follow.kind == "query":
            return await self._search(follow.value)
        terms = set(follow.terms)
        found: dict[str, Hit] = {}
        for paper_id, day_paper in self.papers.items():
            if follow.kind == "author":
                if names := day_paper.authors & terms:
                    found[paper_id] = Hit(authors=names)
            elif follow.kind == "category":
                if _in_category(follow.terms, day_paper.categories):
                    found[paper_id] = Hit()
            elif follow.kind == "venue" and any(t and t in day_paper.venue for t in terms):
                found[paper_id] = Hit()
        return found

    async def _search(self, text: str) -> dict[str, Hit]:
        """The day's papers among the query's newest matches: ids from the index alone (no
        paper is loaded), spans only for the papers of the day."""
        assert self._first_day is not None
        if not supports_index(self.session):
            return {}
        query, analyzer = parse_query(text), shared_analyzer()
        found = await sqlite.run_search(
            self.session,
            query,
            filters_of(query, date_from=self._first_day - PUBLISHED_SLACK),
            analyzer,
            sort="date",
            limit=MAX_LIMIT + 2 * len(self.papers),
            offset=0,
        )
        hits: dict[str, Hit] = {}
        for paper_id, _score in found.ranked:
            if (day_paper := self.papers.get(paper_id)) is None:
                continue
            paper = day_paper.paper
            hits[paper_id] = Hit(
                highlight_spans(paper.title or "", query, Field.TITLE, analyzer),
                highlight_spans(paper.abstract or "", query, Field.ABSTRACT, analyzer),
            )
        return hits

    async def digest_of(self, follows: list[Follow]) -> list[PaperMatch]:
        """The matching papers, in the order of the follows that first matched them."""
        matched: dict[str, PaperMatch] = {}
        for follow in follows:
            for paper_id, hit in (await self.matches_of(follow)).items():
                day_paper = self.papers[paper_id]
                entry = matched.setdefault(paper_id, PaperMatch(day_paper.paper, day_paper.day))
                entry.reasons.append(follow)
                entry.title_spans += hit.title_spans
                entry.abstract_spans += hit.abstract_spans
                entry.authors |= hit.authors
        return list(matched.values())


async def faq_lines(session: AsyncSession, paper_ids: list[str]) -> dict[str, str]:
    """One line of each paper's FAQ (the first answer, cut at a sentence), when it has one."""
    lines: dict[str, str] = {}
    for start in range(0, len(paper_ids), 500):
        rows = await session.execute(
            select(Summary.paper_id, Summary.faq)
            .where(
                Summary.paper_id.in_(paper_ids[start : start + 500]),
                Summary.status == SummaryStatus.COMPLETE,
                Summary.language == "en",
            )
            .order_by(Summary.created_at)
        )
        for paper_id, faq in rows:
            answers = [item.get("answer", "") for item in faq or [] if isinstance(item, dict)]
            if answers and answers[0].strip():
                lines[paper_id] = _one_line(answers[0])
    return lines


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    if 0 < end < FAQ_LINE_CHARS:
        return flat[: end + 1]
    return flat if len(flat) <= FAQ_LINE_CHARS else flat[: FAQ_LINE_CHARS - 1] + "…"


def group_by_reason(matches: list[PaperMatch]) -> list[tuple[Follow, list[PaperMatch]]]:
    groups: dict[Follow, list[PaperMatch]] = defaultdict(list)
    for match in matches:
        groups[match.reasons[0]].append(match)
    return list(groups.items())

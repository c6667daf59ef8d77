"""The fake arXiv of tests/fakearxiv, driven by arXiv's calendar in virtual time, and API
entries made from feed records (so that the API knows the papers a feed announced)."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from crawler.parse import parse_document
from crawler.records import PaperRecord
from schedule import ArxivCalendar, SleepingClock
from tests.fakearxiv import LAYA_QUERY, FakeArxiv, empty_feed, feed_with_day, fixture
from tests.fakearxiv.arxiv import ApiEntry
from tests.ops.feeds import shown_day

LAYA_CATEGORIES = tuple(LAYA_QUERY.split("+"))
LAYA_FEED = fixture("rss/laya-reader_arxiv_rss.xml")


def laya_records() -> list[PaperRecord]:
    return parse_document(LAYA_FEED).papers


def api_entry(record: PaperRecord) -> ApiEntry:
    """An entry of the search API for ``record``, in the current format."""
    stamp = "2026-09-23T17:59:58Z"
    categories = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in record.categories
    )
    authors = "".join(f"<author><name>{escape(a.name)}</name></author>" for a in record.authors)
    xml = (
        f"<entry><id>http://arxiv.org/abs/{record.arxiv_id}v{record.version}</id>"
        f"<title>{escape(record.title)}</title><updated>{stamp}</updated>"
        f"<summary>{escape(record.abstract)}</summary>{categories}"
        f"<published>{stamp}</published>"
        f'<arxiv:primary_category term="{record.primary_category}"/>{authors}</entry>'
    )
    return ApiEntry(record.arxiv_id, record.version, xml.encode())


class CalendarArxiv(FakeArxiv):
    """A fake arXiv whose feed of ``LAYA_QUERY`` follows arXiv's calendar on ``clock``: it
    shows the recorded papers dated by the latest announcement whose feed is out (``late``
    delays an evening's feed; None: it never comes), empty before the first one."""

    def __init__(
        self,
        clock: SleepingClock,
        calendar: ArxivCalendar,
        late: dict[dt.date, dt.timedelta | None] | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock
        self.calendar = calendar
        self.late = late or {}
        self.asked: list[dt.datetime] = []
        for record in laya_records():
            self.api_corpus[record.arxiv_id] = api_entry(record)

    def feed(self, query, request, feeds):
        if feeds is self.feeds and query == LAYA_QUERY:
            now = self.clock.now()
            self.asked.append(now)
            day = shown_day(self.calendar, self.late, now)
            body = feed_with_day(LAYA_FEED, day) if day else empty_feed(query)
            feeds = {query: body}
        return super().feed(query, request, feeds)

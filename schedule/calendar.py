"""arXiv's announcement calendar (pure: no I/O, no clock).

arXiv announces new submissions at 20:00 US Eastern time, Sunday to Thursday, except on its
holidays; nothing is announced on Friday and Saturday evenings. The feeds date an evening's
announcement by the next day (their ``pubDate`` is midnight Eastern), so the announcement of
Sunday evening is the listing of Monday, and there is no listing on Saturday and Sunday.

A holiday here is the Eastern date of an evening without announcement, as arXiv lists them
("Thu 27 November" is Thanksgiving: no announcement that evening, no Friday listing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
ANNOUNCEMENT_TIME = dt.time(20, 0)

# Evenings without announcement that arXiv published (help/availability); more can be added
# in the settings (SCHEDULE_HOLIDAYS) as arXiv announces them.
KNOWN_HOLIDAYS = frozenset(
    dt.date.fromisoformat(day)
    for day in (
        # 2023
        "2023-01-16",
        "2023-06-14",
        "2023-06-19",
        "2023-07-04",
        "2023-09-04",
        "2023-11-23",
        "2023-12-25",
        "2023-12-27",
        # 2025
        "2025-01-01",
        "2025-01-20",
        "2025-06-19",
        "2025-07-06",
        "2025-09-01",
        "2025-11-27",
    )
)

# Monday is 0: announcements on Sunday (6) to Thursday (3).
ANNOUNCING_WEEKDAYS = frozenset({6, 0, 1, 2, 3})


@dataclass(frozen=True, slots=True)
class ScheduledAnnouncement:
    """One announcement: the evening (Eastern date), its instant, and the day it lists."""

    evening: dt.date
    at: dt.datetime
    day: dt.date


@dataclass(frozen=True, slots=True)
class ArxivCalendar:
    """When arXiv announces; ``holidays`` are Eastern dates of evenings without one."""

    holidays: frozenset[dt.date] = field(default=KNOWN_HOLIDAYS)
    zone: ZoneInfo = EASTERN
    time: dt.time = ANNOUNCEMENT_TIME

    def with_holidays(self, extra: Iterable[dt.date]) -> ArxivCalendar:
        return ArxivCalendar(self.holidays | frozenset(extra), self.zone, self.time)

    def quiet_reason(self, evening: dt.date) -> str | None:
        """Why there is no announcement on ``evening`` (None when there is one)."""
        if evening in self.holidays:
            return "holiday"
        if evening.weekday() not in ANNOUNCING_WEEKDAYS:
            return evening.strftime("%A").lower()
        return None

    def announces_on(self, evening: dt.date) -> bool:
        return self.quiet_reason(evening) is None

    def announcement(self, evening: dt.date) -> ScheduledAnnouncement:
        """The announcement of ``evening`` (whether or not arXiv makes one that day)."""
        at = dt.datetime.combine(evening, self.time, tzinfo=self.zone)
        return ScheduledAnnouncement(evening, at, evening + dt.timedelta(days=1))

    def evening_of(self, moment: dt.datetime) -> dt.date:
        """The Eastern date of ``moment`` (an aware datetime)."""
        return moment.astimezone(self.zone).date()

    def lists(self, day: dt.date) -> bool:
        """Whether the feeds of ``day`` carry an announcement (the evening before was one)."""
        return self.announces_on(day - dt.timedelta(days=1))

    def latest(self, moment: dt.datetime) -> ScheduledAnnouncement:
        """The last announcement made at or before ``moment``."""
        evening = self.evening_of(moment)
        for candidate in _days_back(evening):
            if self.announces_on(candidate):
                announcement = self.announcement(candidate)
                if announcement.at <= moment:
                    return announcement
        raise AssertionError("unreachable: every week has announcements")

    def next(self, moment: dt.datetime) -> ScheduledAnnouncement:
        """The first announcement strictly after ``moment``."""
        evening = self.evening_of(moment)
        for candidate in _days_forward(evening):
            if self.announces_on(candidate):
                announcement = self.announcement(candidate)
                if announcement.at > moment:
                    return announcement
        raise AssertionError("unreachable: every week has announcements")

    def listing_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The days from ``start`` to ``end`` (inclusive) whose feeds carry an announcement."""
        days = []
        day = start
        while day <= end:
            if self.lists(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days


def _days_back(start: dt.date) -> Iterator[dt.date]:
    for offset in range(0, 60):
        yield start - dt.timedelta(days=offset)


def _days_forward(start: dt.date) -> Iterator[dt.date]:
    for offset in range(0, 60):
        yield start + dt.timedelta(days=offset)

"""arXiv's announcement calendar and cron triggers in a time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from schedule import ArxivCalendar, Cron, InvalidSchedule
from schedule.calendar import EASTERN
from schedule.daily import evening_for

CALENDAR = ArxivCalendar()


def eastern(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=EASTERN)


@pytest.mark.parametrize(
    ("evening", "reason"),
    [
        (dt.date(2025, 11, 23), None),  # Sunday
        (dt.date(2025, 11, 24), None),  # Monday
        (dt.date(2025, 11, 26), None),  # Wednesday
        (dt.date(2025, 11, 27), "holiday"),  # Thanksgiving
        (dt.date(2025, 11, 28), "friday"),
        (dt.date(2025, 11, 29), "saturday"),
        (dt.date(2025, 12, 4), None),  # an ordinary Thursday
    ],
)
def test_evenings_with_and_without_announcement(evening, reason) -> None:
    assert CALENDAR.quiet_reason(evening) == reason
    assert CALENDAR.announces_on(evening) is (reason is None)


def test_an_evening_announcement_is_the_listing_of_the_next_day() -> None:
    sunday = CALENDAR.announcement(dt.date(2025, 11, 23))
    assert sunday.day == dt.date(2025, 11, 24)
    assert sunday.at == eastern(2025, 11, 23, 20, 0)
    listed = CALENDAR.listing_days(dt.date(2025, 11, 22), dt.date(2025, 11, 30))
    # Monday to Thursday; no Friday listing after Thanksgiving, none on the weekend.
    assert listed == [dt.date(2025, 11, d) for d in (24, 25, 26, 27)]


def test_latest_and_next_skip_weekends_and_holidays() -> None:
    thanksgiving_night = eastern(2025, 11, 27, 21, 0)
    assert CALENDAR.latest(thanksgiving_night).evening == dt.date(2025, 11, 26)
    assert CALENDAR.next(thanksgiving_night).evening == dt.date(2025, 11, 30)
    just_before = eastern(2025, 12, 1, 19, 59)
    assert CALENDAR.latest(just_before).evening == dt.date(2025, 11, 30)
    assert CALENDAR.next(just_before).evening == dt.date(2025, 12, 1)
    exactly = eastern(2025, 12, 1, 20, 0)
    assert CALENDAR.latest(exactly).evening == dt.date(2025, 12, 1)


def test_announcements_stay_at_20_eastern_across_daylight_saving_time() -> None:
    before = CALENDAR.announcement(dt.date(2025, 10, 30)).at.astimezone(dt.UTC)
    after = CALENDAR.announcement(dt.date(2025, 11, 2)).at.astimezone(dt.UTC)
    assert (before.hour, after.hour) == (0, 1)


def test_extra_holidays_come_from_the_settings() -> None:
    christmas_eve = dt.date(2026, 12, 24)
    assert CALENDAR.announces_on(christmas_eve)
    assert CALENDAR.with_holidays([christmas_eve]).quiet_reason(christmas_eve) == "holiday"


@pytest.mark.parametrize(
    ("moment", "evening"),
    [
        (eastern(2025, 11, 24, 20, 5), dt.date(2025, 11, 24)),
        (eastern(2025, 11, 25, 0, 30), dt.date(2025, 11, 24)),  # after midnight: still Monday's
        (eastern(2025, 11, 24, 13, 0), dt.date(2025, 11, 24)),
    ],
)
def test_the_evening_a_crawl_is_for(moment, evening) -> None:
    assert evening_for(CALENDAR, moment) == evening


def test_cron_follows_its_time_zone_through_daylight_saving_time() -> None:
    cron = Cron.parse("5 20 * * 0-4", "America/New_York")
    start = eastern(2025, 10, 30, 21, 0)
    slots = []
    moment = start
    for _ in range(3):
        moment = cron.next_after(moment)
        slots.append(moment)
    assert [s.astimezone(EASTERN).strftime("%a %H:%M") for s in slots] == [
        "Sun 20:05",
        "Mon 20:05",
        "Tue 20:05",
    ]
    assert [s.astimezone(dt.UTC).hour for s in slots] == [1, 1, 1]
    assert all(s.tzinfo is dt.UTC for s in slots)


def test_cron_with_its_own_zone() -> None:
    cron = Cron.parse("TZ=Europe/Paris 0 3 * * *", "America/New_York")
    following = cron.next_after(dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
    assert following == dt.datetime(2026, 1, 6, 2, 0, tzinfo=dt.UTC)
    assert cron.describe() == "0 3 * * * (Europe/Paris)"


@pytest.mark.parametrize(
    "text", ["5 25 * * *", "* * * *", "every day", "TZ=Nowhere/Land 0 3 * * *"]
)
def test_bad_cron_expressions_are_refused(text) -> None:
    with pytest.raises(InvalidSchedule):
        Cron.parse(text, "America/New_York")

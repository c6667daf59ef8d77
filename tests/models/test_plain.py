"""``models.plain``: statements in SQLite's form on either database, and the values read back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.plain import IDS, as_day, as_moment, day_parameter, ids_parameter, read_rows

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("2024-11-28 12:34:56.000000", dt.datetime(2024, 11, 28, 12, 34, 56, tzinfo=UTC)),
        ("2024-11-28 12:34:56", dt.datetime(2024, 11, 28, 12, 34, 56, tzinfo=UTC)),
        ("2024-11-28T12:34:56+02:00", dt.datetime(2024, 11, 28, 10, 34, 56, tzinfo=UTC)),
        ("2024-11-28T12:34:56-05:30", dt.datetime(2024, 11, 28, 18, 4, 56, tzinfo=UTC)),
        ("2024-11-28 12:34:56Z", dt.datetime(2024, 11, 28, 12, 34, 56, tzinfo=UTC)),
        ("2024-11-28", dt.datetime(2024, 11, 28, tzinfo=UTC)),
        (dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=UTC)),
        (
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=3))),
            dt.datetime(2023, 12, 31, 21, tzinfo=UTC),
        ),
    ],
)
def test_a_moment_is_read_back_aware_in_utc(value: object, expected: dt.datetime | None) -> None:
    moment = as_moment(value)
    assert moment == expected
    if moment is not None:
        assert moment.utcoffset() == dt.timedelta(0)


def test_a_day_is_read_back_as_a_date() -> None:
    assert as_day(None) is None
    assert as_day("2024-11-28") == dt.date(2024, 11, 28)
    assert as_day(dt.date(2024, 11, 28)) == dt.date(2024, 11, 28)


async def test_a_statement_in_sqlites_form_runs_on_either_database(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    day = dt.date(2024, 11, 28)
    async with sessions() as session:
        rows = await read_rows(
            session,
            "SELECT value FROM (SELECT 'a' AS value UNION ALL SELECT 'b' UNION ALL SELECT 'c') t"
            " WHERE value IN " + IDS + " ORDER BY value",
            (ids_parameter(["c", "a", "z"]),),
        )
        assert rows == [("a",), ("c",)]
        # asyncpg takes a date column's parameter as a date, SQLite's text as text.
        ((announced,),) = await read_rows(
            session,
            "SELECT count(*) FROM announcements WHERE announced_on = :day",
            {"day": day_parameter(session, day)},
        )
        assert announced == 0

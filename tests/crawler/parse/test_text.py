"""The text rules shared by all formats: whitespace, dates, author lines, categories."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.parse.text import (
    clean,
    clean_or_none,
    ordered_categories,
    parse_day,
    parse_iso,
    parse_rfc2822,
    says_withdrawn,
    split_authors,
)
from crawler.records import AuthorRecord as A


def test_clean_collapses_whitespace_and_keeps_tex() -> None:
    assert clean("  Limit distributions and\n  scaling functions \n") == (
        "Limit distributions and scaling functions"
    )
    assert clean(r"Schr\"odinger $\Omega_c^0$ \'e  ~") == r"Schr\"odinger $\Omega_c^0$ \'e ~"
    assert clean(None) == ""
    assert clean_or_none("0") == "0"
    assert clean_or_none(" \n ") is None
    assert clean_or_none("&lt;") == "&lt;"  # entities are the XML parser's job, undone once


def test_dates() -> None:
    gmt = parse_rfc2822("Wed, 23 Jan 2008 21:06:41 GMT")
    assert gmt == dt.datetime(2008, 1, 23, 21, 6, 41, tzinfo=dt.UTC)
    ny = parse_rfc2822("Thu, 24 Sep 2026 23:30:00 -0400")
    assert ny.date() == dt.date(2026, 9, 24)  # the day as printed, though UTC is the 25th
    assert ny.astimezone(dt.UTC).date() == dt.date(2026, 9, 25)
    assert parse_iso("2022-02-24T15:05:19Z") == dt.datetime(2022, 2, 24, 15, 5, 19, tzinfo=dt.UTC)
    assert parse_iso("2026-09-25T00:00:00-04:00") == dt.datetime(2026, 9, 25, 4, tzinfo=dt.UTC)
    assert parse_day("2007-04-30") == dt.datetime(2007, 4, 30, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        parse_rfc2822("yesterday")


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("Naoum C. Bacalis", [A("Naoum C. Bacalis")]),
        (
            "D.V. Shetty, S.J. Yennello, and G.A. Souliotis",
            [A("D.V. Shetty"), A("S.J. Yennello"), A("G.A. Souliotis")],
        ),
        (
            "Zainul Abidin and Carl E. Carlson (William and Mary)",
            [A("Zainul Abidin"), A("Carl E. Carlson", "William and Mary")],
        ),
        (
            "Robert H. Brandenberger (McGill), Keshav Dasgupta (McGill) and\n"
            "  Anne-Christine Davis (DAMTP, Cambridge)",
            [
                A("Robert H. Brandenberger", "McGill"),
                A("Keshav Dasgupta", "McGill"),
                A("Anne-Christine Davis", "DAMTP, Cambridge"),
            ],
        ),
        (
            "Peter Anders (1), Uta Fritze (2), Richard de Grijs (3) ((1) University\n"
            "  Utrecht, The Netherlands, (2) University of Hertfordshire, UK, (3) University\n"
            "  of Sheffield, UK)",
            [
                A("Peter Anders", "University Utrecht, The Netherlands"),
                A("Uta Fritze", "University of Hertfordshire, UK"),
                A("Richard de Grijs", "University of Sheffield, UK"),
            ],
        ),
        (
            "Haruka Tanji (1 and 2), Vladan Vuleti\\'c (1) ((1) MIT, (2) Harvard)",
            [A("Haruka Tanji", "MIT, Harvard"), A("Vladan Vuleti\\'c", "MIT")],
        ),
        ("CDF Collaboration: T. Aaltonen et al", [A("CDF Collaboration"), A("T. Aaltonen")]),
        (
            "G. Tosti and J. Albert, et al. (MAGIC collaboration: 136 additional authors)",
            [A("G. Tosti"), A("J. Albert")],
        ),
        ("Al Etal, Bob Vital", [A("Al Etal"), A("Bob Vital")]),
        ("", []),
    ],
)
def test_arxiv_authors_line(line: str, authors: list[A]) -> None:
    assert list(split_authors(line, raw=True)) == authors


def test_feed_creators_split_on_commas_outside_parentheses_only() -> None:
    line = (
        r"Pip Petersen (COMPACT Collaboration), \"Ozen\c{c} G\"ung\"or (COMPACT Collaboration), "
        r"Benjamin R\'emy (LEMTA, Univ. Lorraine), Smith and Wesson Team"
    )
    assert split_authors(line, raw=False) == (
        A("Pip Petersen", "COMPACT Collaboration"),
        A(r"\"Ozen\c{c} G\"ung\"or", "COMPACT Collaboration"),
        A(r"Benjamin R\'emy", "LEMTA, Univ. Lorraine"),
        A("Smith and Wesson Team"),
    )


def test_categories_primary_first_without_duplicates_or_class_codes() -> None:
    terms = ["cs.AI", "cs.RO", "I.2.9", "68T40", "cs.AI", "eess.SY"]
    assert ordered_categories("cs.RO", terms) == ("cs.RO", "cs.AI", "eess.SY")
    assert ordered_categories(None, ["physics.atom-ph", "cond-mat.stat-mech", "hep-th"]) == (
        "physics.atom-ph",
        "cond-mat.stat-mech",
        "hep-th",
    )


def test_withdrawal_notice() -> None:
    assert says_withdrawn("This paper has been withdrawn by the authors. 6 pages, 7 figures")
    assert says_withdrawn(None, "  This paper has been withdrawn")
    assert says_withdrawn("Withdrawn due to an error in Lemma 2")
    assert not says_withdrawn("5 pages; v2: an earlier version was withdrawn", None)
    assert not says_withdrawn(None, None)

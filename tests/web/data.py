"""A small archive for the site's tests: three announcement days of cs papers, with math,
an XSS payload in a title, a long author list, a replacement and a cross-list."""

from __future__ import annotations

import asyncio
import datetime as dt

from crawler.records import AnnouncementRecord, AuthorRecord, PaperRecord, VersionRecord
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.indexed import ingest

UTC = dt.UTC
DAY1, DAY2, DAY3 = dt.date(2024, 11, 26), dt.date(2024, 11, 27), dt.date(2024, 11, 28)
XSS_TITLE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> Robust agents'
MATH_ID = "2411.10001"
XSS_ID = "2411.10004"
CY_ID = "2411.10003"
MANY_AUTHORS_ID = "2411.10006"
REPLACED_ID = "2411.00005"


def paper(
    arxiv_id: str,
    title: str,
    categories: tuple[str, ...],
    day: dt.date,
    kind: str = "new",
    *,
    abstract: str = "We study things.",
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing"),
    version: int = 1,
    published: dt.datetime | None = None,
    **more: object,
) -> PaperRecord:
    evening_before = dt.datetime.combine(day, dt.time(18), UTC) - dt.timedelta(days=1)
    published = published or evening_before
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=tuple(AuthorRecord(a) for a in authors),
        primary_category=categories[0],
        categories=categories,
        published=published,
        updated=published + dt.timedelta(days=version - 1),
        versions=tuple(
            VersionRecord(v, published + dt.timedelta(days=v - 1), f"{100 * v}kb")
            for v in range(1, version + 1)
        ),
        announcement=AnnouncementRecord(day, kind, ("cs",)),
        **more,
    )


def records() -> list[PaperRecord]:
    return [
        paper("2411.08001", "An early paper on planning", ("cs.AI",), DAY1),
        paper("2411.09001", "Yesterday's paper on search", ("cs.AI", "cs.CL"), DAY2),
        paper(
            MATH_ID,
            r"Attention in $O(n \log n)$ time",
            ("cs.AI", "cs.LG"),
            DAY3,
            abstract=(
                r"We show that the loss $\mathcal{L}(\theta) = \sum_i x_i^2$ is convex. "
                "A GPU costs $5 and a TPU $10 per hour. Transformers are attention machines."
            ),
            authors=("Ada Lovelace", r"Erwin Schr\"odinger"),
            comment="12 pages",
            doi="10.1234/example",
        ),
        paper(
            "2411.10002",
            "Language models read papers",
            ("cs.CL", "cs.AI"),
            DAY3,
            abstract="Large language models summarise papers; a transformer reads them.",
            authors=("Grace Hopper",),
        ),
        paper(
            CY_ID,
            "Fairness of learned policies",
            ("cs.LG", "cs.CY"),
            DAY3,
            abstract="We audit a transformer for fairness.",
            authors=("Joy Buolamwini",),
        ),
        paper(XSS_ID, XSS_TITLE, ("cs.AI",), DAY3, abstract="<b>bold</b> & <i>not</i> markup."),
        paper(
            MANY_AUTHORS_ID,
            "A very large collaboration",
            ("cs.AI",),
            DAY3,
            authors=tuple(f"Author Number{i}" for i in range(1, 31)),
        ),
    ]


def replacement() -> PaperRecord:
    return paper(
        REPLACED_ID,
        "Revised results on graph neural networks",
        ("cs.LG", "cs.AI"),
        DAY3,
        "replace",
        version=2,
        published=dt.datetime(2023, 11, 1, 12, tzinfo=UTC),
    )


async def fill(settings: Settings) -> None:
    engine = create_engine(settings=settings)
    try:
        sessions = session_factory(engine)
        async with sessions.begin() as session:
            await ingest(session, [*records(), replacement()])
    finally:
        await engine.dispose()


def fill_sync(settings: Settings) -> None:
    asyncio.run(fill(settings))

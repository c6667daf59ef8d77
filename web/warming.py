"""The newest day's papers made ready for their lists before their first reader comes.

The first render of a new day's list pays for what the process has never done for its
papers: reading their views (``models.queries.paper_views``), making the MathML of their
titles and abstracts (``web.tex``: some 20 microseconds a formula, converted and checked) and
writing their entries. ``keep_warm`` runs beside the site: whenever the data version
moves (an import, a crawl, an edit; and once at start), it reads the views of the papers
announced on the latest day, renders their titles and abstracts, and writes the entries of
each category's list of that day in every language of the site (kept by ``web.templating``
for the lists that show them), a few papers at a time on the event loop, so that requests
are served in between. A reader who comes before it is done meets the papers it has not
reached yet cold, as before; a list with its keywords writes the entries they mark, its
papers' views and MathML ready.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.db import reading
from models.queries import newest_day_categories, newest_day_papers, paper_views
from web.cache import data_version
from web.i18n import LANGUAGES
from web.listing import BadListRequest, ListRequest, fetch_list, page_entries
from web.templating import entry_pieces
from web.tex import render_text

log = logging.getLogger(__name__)

WARMED_MOST = 3_000  # papers: a day of every arXiv category; the views keep 5,000
CHUNK = 50  # papers read and rendered between two turns of the event loop (a few ms)
CHECK_INTERVAL = 10.0  # seconds between two reads of the data version


@dataclass(frozen=True, slots=True)
class Warmed:
    papers: int
    entries: int
    seconds: float


async def warm_newest_day(
    sessions: async_sessionmaker[AsyncSession],
    most: int = WARMED_MOST,
    chunk: int = CHUNK,
    languages: tuple[str, ...] = LANGUAGES,
) -> Warmed:
    """Read the views of the latest day's papers and render their titles and abstracts, then
    write the entries of each category's list of that day as its page writes them (in each
    of ``languages``, the site's default first; at most twice ``most`` a language: a
    cross-listed paper is written once per type), ``chunk`` papers at a time, letting the
    event loop run between two chunks."""
    started = time.perf_counter()
    async with sessions() as session:
        stamps = await newest_day_papers(session, most)
        categories = await newest_day_categories(session)
    ids = list(stamps)
    for start in range(0, len(ids), chunk):
        async with sessions() as session:
            views = await paper_views(session, {i: stamps[i] for i in ids[start : start + chunk]})
        for view in views.values():
            render_text(view.title)
            render_text(view.abstract)
        await asyncio.sleep(0)
    budget = 2 * most
    for category in categories:
        if budget <= 0:
            break
        try:
            wanted = ListRequest.parse(category, {})
        except BadListRequest:  # not a category a list can name
            continue
        async with sessions() as session:
            listed = list(page_entries(await fetch_list(session, wanted)))[:budget]
        budget -= len(listed)
        for lang in languages:
            for start in range(0, len(listed), chunk):
                entry_pieces(listed[start : start + chunk], None, lang)
                await asyncio.sleep(0)
    written = (2 * most - max(budget, 0)) * len(languages)
    return Warmed(len(ids), written, time.perf_counter() - started)


async def keep_warm(
    sessions: async_sessionmaker[AsyncSession],
    interval: float = CHECK_INTERVAL,
    pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Warm the newest day now, then again each time the data version has moved when it is
    read, every ``interval`` seconds (``pause`` waits them), until cancelled."""
    seen: tuple[object, ...] | None = None
    while True:
        try:
            async with reading(sessions) as session:
                version = await data_version(session)
            if version != seen:
                seen = version  # tried once per version, even when it fails
                warmed = await warm_newest_day(sessions)
                log.debug(
                    "warmed %d papers, %d entries in %.2f s",
                    warmed.papers,
                    warmed.entries,
                    warmed.seconds,
                )
        except asyncio.CancelledError:
            raise
        except Exception:  # the lists render their papers themselves then
            log.exception("the newest day's papers could not be warmed")
        await pause(interval)

"""Full texts for the rest of coolpapers: fetch and store one version, make sure one is there
before it is read (:func:`ensure`, for the summaries), fetch a day's papers (the daily job).

Each fetch ends with a row (``fulltext.store``), whatever the outcome; ``ok`` and ``too_large``
rows are final, ``failed`` and ``none`` rows are tried again by later runs. Whatever was
registered with :func:`on_fulltext_stored` runs in the transaction that stores a row (the
search index, which reads the bodies, registers itself there).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch.client import ArxivClient
from fulltext import store
from fulltext.code import find_code_links
from fulltext.document import FullText, FullTextStatus, StoredFullText
from fulltext.fetch import (
    FetchConfig,
    Outcome,
    fetch_fulltext,
    fetch_venue_pdf,
    fulltext_client,
)
from models.fulltext import PaperFullText
from models.schema import Announcement, Paper, VenuePaper
from models.settings import Settings

log = logging.getLogger("coolpapers.fulltext")

FINAL = {FullTextStatus.OK, FullTextStatus.TOO_LARGE}
MODES = ("off", "on-demand", "daily")


StoredHook = Callable[[AsyncSession, list[str]], Awaitable[object]]
_stored_hooks: list[StoredHook] = []


def on_fulltext_stored(hook: StoredHook) -> None:
    """Run ``hook(session, [paper_id])`` whenever a full-text row of the paper is stored, in
    the storing transaction, after the row is flushed (idempotent)."""
    if hook not in _stored_hooks:
        _stored_hooks.append(hook)


class UnknownPaper(LookupError):
    """The paper is not in this archive."""


async def _paper(session: AsyncSession, paper_id: str) -> Paper:
    paper = await session.get(Paper, paper_id)
    if paper is None:
        raise UnknownPaper(f"no paper {paper_id} in this archive")
    return paper


async def record(
    sessions: async_sessionmaker[AsyncSession],
    paper_id: str,
    version: int,
    outcome: Outcome,
) -> StoredFullText:
    """Store ``outcome`` with the code links of the paper (its abstract, comments, text)."""
    async with sessions() as session:
        paper = await _paper(session, paper_id)
        links = find_code_links(paper.abstract, paper.comment, outcome.document)
        row = await store.save(
            session,
            paper_id,
            version,
            outcome.status,
            source=outcome.source,
            reason=outcome.reason,
            document=outcome.document,
            code_links=links,
            bytes_fetched=outcome.bytes_fetched,
        )
        await session.flush()
        for hook in _stored_hooks:
            await hook(session, [paper_id])
        await session.commit()
        result = store.stored(row, with_document=False)
    return StoredFullText(
        result.paper_id,
        result.version,
        result.status,
        result.source,
        result.reason,
        outcome.document,
        result.code_links,
    )


async def store_document(
    sessions: async_sessionmaker[AsyncSession],
    paper_id: str,
    version: int,
    document: FullText,
    size: int,
) -> StoredFullText:
    """Store a document read from a recorded page or PDF."""
    outcome = Outcome(FullTextStatus.OK, document.source, None, document, size)
    return await record(sessions, paper_id, version, outcome)


async def current_version(sessions: async_sessionmaker[AsyncSession], paper_id: str) -> int:
    async with sessions() as session:
        return (await _paper(session, paper_id)).version or 1


async def fetch_and_store(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    config: FetchConfig,
    paper_id: str,
    version: int | None = None,
) -> StoredFullText:
    """Fetch the full text of ``paper_id`` (its current version unless ``version``) and store
    how it ended: arXiv's HTML or PDF, or for a venue paper (one with a ``venue_papers`` row)
    the PDF at its ``pdf_url``; raises :class:`UnknownPaper` for a paper not in the archive."""
    if version is None:
        version = await current_version(sessions, paper_id)
    else:
        await current_version(sessions, paper_id)  # the paper must exist
    async with sessions() as session:
        venue = await session.get(VenuePaper, paper_id)
        pdf_url = venue.pdf_url if venue is not None else None
    if venue is not None:  # a venue paper: the PDF its venue links
        outcome = await fetch_venue_pdf(client, config, pdf_url)
    else:
        outcome = await fetch_fulltext(client, config, paper_id, version)
    log.info(
        "full text of %sv%d: %s%s",
        paper_id,
        version,
        outcome.status,
        f" ({outcome.reason})" if outcome.reason else "",
    )
    return await record(sessions, paper_id, version, outcome)


_IN_FLIGHT: dict[tuple[str, int], asyncio.Task[StoredFullText]] = {}


async def ensure(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    config: FetchConfig,
    paper_id: str,
    version: int | None = None,
    *,
    mode: str = "on-demand",
) -> StoredFullText | None:
    """The stored full text of a paper version, fetched first when there is none yet (or only
    a failure) unless ``mode`` is ``off``. Concurrent calls for one version share one fetch.
    None when it was never fetched and ``mode`` is ``off``."""
    if version is None:
        version = await current_version(sessions, paper_id)
    async with sessions() as session:
        found = await store.load(session, paper_id, version)
    if found is not None and (found.status in FINAL or mode == "off"):
        return found
    if mode == "off":
        return None
    key = (paper_id, version)
    task = _IN_FLIGHT.get(key)
    if task is None or task.get_loop() is not asyncio.get_running_loop():
        task = asyncio.ensure_future(fetch_and_store(sessions, client, config, paper_id, version))
        _IN_FLIGHT[key] = task
        task.add_done_callback(lambda done: _forget(key, done))
    stored = await asyncio.shield(task)
    if stored.document is None and stored.status == FullTextStatus.OK:
        async with sessions() as session:
            return await store.load(session, paper_id, version)
    return stored


def fetches_in_flight() -> list[asyncio.Task[StoredFullText]]:
    """The fetches of full texts running now on this event loop (a site shutting down stops
    them)."""
    loop = asyncio.get_running_loop()
    return [task for task in _IN_FLIGHT.values() if task.get_loop() is loop]


def _forget(key: tuple[str, int], task: asyncio.Task[StoredFullText]) -> None:
    if _IN_FLIGHT.get(key) is task:
        del _IN_FLIGHT[key]


FullTextReader = Callable[[AsyncSession, str, int], Awaitable[FullText | None]]


def on_demand(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, **client_options: Any
) -> FullTextReader:
    """What the summaries read a paper version's full text with: the stored one, fetched
    first (through :func:`ensure`, with the FULLTEXT mode of ``settings``) when there is none
    yet. None when there is none to be had (``off`` and none stored, arXiv has none, or
    fetching failed): the summary is then made from the abstract, and says so."""
    config = FetchConfig.from_settings(settings)
    mode = settings.FULLTEXT

    async def full_text(session: AsyncSession, paper_id: str, version: int) -> FullText | None:
        try:
            async with fulltext_client(settings, **client_options) as client:
                found = await ensure(sessions, client, config, paper_id, version, mode=mode)
        except Exception:  # whatever went wrong, the abstract is still there
            log.exception("full text of %sv%d for a summary", paper_id, version)
            return None
        if found is None or found.status != FullTextStatus.OK:
            return None
        return found.document

    return full_text


@dataclass(frozen=True, slots=True)
class DayResult:
    day: dt.date | None
    fetched: tuple[StoredFullText, ...]
    already: int  # papers whose full text was stored before

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.fetched:
            counts[str(row.status)] = counts.get(str(row.status), 0) + 1
        return counts


async def papers_of_day(
    sessions: async_sessionmaker[AsyncSession],
    categories: Sequence[str],
    day: dt.date | None = None,
) -> tuple[dt.date | None, list[tuple[str, int]]]:
    """The papers announced on ``day`` (default: the latest announcement day) in
    ``categories``, with their current version, in id order."""
    async with sessions() as session:
        if day is None:
            from sqlalchemy import func

            day = (await session.execute(select(func.max(Announcement.announced_on)))).scalar()
            if day is None:
                return None, []
        statement = (
            select(Paper.id, Paper.version)
            .join(Announcement, Announcement.paper_id == Paper.id)
            .where(Announcement.announced_on == day, Paper.hidden.is_(False))
            .distinct()
            .order_by(Paper.id)
        )
        if categories:
            statement = statement.where(Announcement.category.in_(list(categories)))
        rows = (await session.execute(statement)).all()
    return day, [(paper_id, version or 1) for paper_id, version in rows]


async def fetch_day(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    config: FetchConfig,
    categories: Sequence[str],
    day: dt.date | None = None,
) -> DayResult:
    """Fetch, one after the other, the full texts of a day's papers that have none stored yet
    (failed ones are tried again)."""
    day, papers = await papers_of_day(sessions, categories, day)
    if not papers:
        return DayResult(day, (), 0)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(PaperFullText.paper_id, PaperFullText.version, PaperFullText.status).where(
                    PaperFullText.paper_id.in_([p for p, _ in papers])
                )
            )
        ).all()
    done = {(p, v) for p, v, status in rows if status in {str(s) for s in FINAL}}
    fetched = []
    for paper_id, version in papers:
        if (paper_id, version) in done:
            continue
        fetched.append(await fetch_and_store(sessions, client, config, paper_id, version))
    return DayResult(day, tuple(fetched), len(papers) - len(fetched))

"""The scheduled jobs' crawls, on the real fetchers (``crawler.fetch``): the daily feeds,
look-ups by id through the search API, OAI-PMH harvests since a day."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch import (
    ArxivClient,
    CrawlError,
    FetchError,
    SourceError,
    crawl_rss,
    feed_url,
    fetch_papers,
    harvest,
)
from crawler.fetch.documents import read_document
from crawler.ingest import NO_HOOKS, IngestHooks
from crawler.records import PaperRecord
from models.settings import Settings
from schedule.daily import CatchUp, Crawlers, FeedCrawl

Sessions = async_sessionmaker[AsyncSession]

# Archives whose OAI-PMH set is ``physics:<archive>``; the others are sets of their own.
PHYSICS_ARCHIVES = frozenset(
    {"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph",
     "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"}
)  # fmt: skip  # a list of names reads better in rows than one a line


def oai_sets(categories: Sequence[str]) -> list[str]:
    """The OAI-PMH sets that hold ``categories`` (``cs.CL`` is in ``cs``), each once."""
    sets = []
    for category in categories:
        archive = category.split(".", 1)[0]
        spec = f"physics:{archive}" if archive in PHYSICS_ARCHIVES else archive
        if spec not in sets:
            sets.append(spec)
    return sets


def arxiv_crawlers(
    settings: Settings, client: ArxivClient | None = None, *, hooks: IngestHooks = NO_HOOKS
) -> Crawlers:
    """Crawlers that ask arXiv (or whatever the ARXIV_* settings point at), each crawl with
    a client of its own unless ``client`` is given (then kept open: its owner closes it);
    what they store is ingested with ``hooks``."""

    @contextlib.asynccontextmanager
    async def connected() -> AsyncIterator[ArxivClient]:
        if client is not None:
            yield client
            return
        async with ArxivClient.from_settings(settings) as fresh:
            yield fresh

    async def feeds(
        sessions: Sessions, categories: tuple[str, ...], *, conditional: bool = True
    ) -> FeedCrawl:
        async with connected() as http:
            try:
                result = await crawl_rss(
                    sessions,
                    http,
                    categories,
                    rss_base=settings.ARXIV_RSS_BASE,
                    conditional=conditional,
                    hooks=hooks,
                )
            except CrawlError as exc:
                return FeedCrawl(exc.run_id, [], error=str(exc))
        return FeedCrawl(
            result.run_id,
            result.records,
            new=result.counts.new,
            updated=result.counts.updated,
            not_modified=result.not_modified,
        )

    async def fetch_ids(ids: list[str]) -> list[PaperRecord]:
        async with connected() as http:
            records, _missing = await fetch_papers(http, ids, api_base=settings.ARXIV_API_BASE)
        return records

    async def harvest_since(
        sessions: Sessions, since: dt.date, categories: tuple[str, ...]
    ) -> CatchUp:
        new = updated = 0
        run_id = None
        async with connected() as http:
            for set_spec in oai_sets(categories):
                try:
                    result = await harvest(
                        sessions,
                        http,
                        oai_base=settings.ARXIV_OAI_BASE,
                        set_spec=set_spec,
                        from_=since,
                        hooks=hooks,
                    )
                except CrawlError as exc:
                    return CatchUp(exc.run_id or run_id, new, updated, error=str(exc))
                run_id = result.run_id
                new += result.counts.new
                updated += result.counts.updated
        return CatchUp(run_id, new, updated)

    async def read_feed(categories: tuple[str, ...]) -> list[PaperRecord]:
        url = feed_url(settings.ARXIV_RSS_BASE, categories)
        async with connected() as http:
            fetched = await http.get(url)
            if fetched.status != 200:
                raise FetchError(f"GET {url}: HTTP {fetched.status}")
            document = read_document(fetched, "rss", http.max_bytes)
        if document.error is not None:
            raise SourceError(f"arXiv feed error for {url}: {document.error}", "feed-error")
        return document.papers

    return Crawlers(
        feeds=feeds,
        fetch_ids=fetch_ids,
        harvest_since=harvest_since,
        read_feed=read_feed,
        hooks=hooks,
    )

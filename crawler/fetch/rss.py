"""The daily feeds: ``crawl_rss`` fetches ``<rss base>/rss/<cat+cat+...>`` (one request for
every category), records each item's announcement and upserts the papers, all in one
transaction, so that a feed is either stored whole or not at all.

Polling is conditional: the ETag and Last-Modified of the last feed stored are kept in the
parameters of its crawl run and sent back as ``If-None-Match``/``If-Modified-Since``; a 304
is a successful crawl that changed nothing. An empty feed (weekends, holidays) is normal.
An error feed (HTTP 400, "Feed error for query") raises ``SourceError`` with arXiv's message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch.client import ArxivClient
from crawler.fetch.documents import read_document
from crawler.fetch.errors import FetchError, SourceError
from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks
from crawler.records import PaperRecord
from crawler.runs import latest_run, recorded_run
from models.schema import CrawlStatus

log = logging.getLogger("coolpapers.crawl")

SOURCE = "rss"
# rss.arxiv.org lists at most this many items in one feed; a full feed may be cut short.
FEED_ITEM_LIMIT = 2000


@dataclass(slots=True)
class RssResult:
    run_id: int
    url: str
    counts: IngestCounts
    records: list[PaperRecord] = field(default_factory=list)
    not_modified: bool = False  # 304: the feed is the one stored by an earlier run

    @property
    def empty(self) -> bool:
        return not self.records and not self.not_modified


def feed_url(rss_base: str, categories: Sequence[str]) -> str:
    if not categories:
        raise ValueError("no category to crawl")
    return f"{rss_base.rstrip('/')}/rss/{'+'.join(categories)}"


async def stored_validators(sessions: async_sessionmaker[AsyncSession], url: str) -> dict[str, str]:
    """The conditional-request headers for ``url``, from the last run that stored its feed."""
    run = await latest_run(sessions, SOURCE, status=CrawlStatus.SUCCEEDED, where={"url": url})
    if run is None:
        return {}
    headers = {}
    if etag := run.parameters.get("etag"):
        headers["If-None-Match"] = etag
    if modified := run.parameters.get("last_modified"):
        headers["If-Modified-Since"] = modified
    return headers


async def crawl_rss(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    categories: Sequence[str],
    *,
    rss_base: str,
    conditional: bool = True,
    hooks: IngestHooks = NO_HOOKS,
) -> RssResult:
    """Crawl the feed of ``categories`` once; raises ``CrawlError`` if it cannot."""
    url = feed_url(rss_base, categories)
    validators = await stored_validators(sessions, url) if conditional else {}
    parameters = {"categories": list(categories), "url": url}
    async with recorded_run(sessions, SOURCE, parameters, hooks=hooks) as run:
        fetched = await client.get(url, headers=validators)
        result = RssResult(run.run_id, url, run.counts)
        if fetched.not_modified:
            # Unchanged since the run that stored it: carry its validators forward.
            run.parameters.update(_validators_of(validators), not_modified=True)
            result.not_modified = True
            log.info("feed %s: not modified since the last crawl", url)
            return result
        if fetched.status not in (200, 400):
            raise FetchError(f"GET {url}: HTTP {fetched.status}")
        document = read_document(fetched, "rss", client.max_bytes)
        if document.error is not None:
            raise SourceError(f"arXiv feed error for {url}: {document.error}", "feed-error")
        if fetched.status != 200:
            raise FetchError(f"GET {url}: HTTP {fetched.status} with a feed of no error")
        if document.problems:
            run.gaps["skipped"] = document.problems[:50]
        await run.commit(document.papers, failed=len(document.problems))
        if len(document.papers) >= FEED_ITEM_LIMIT:
            log.warning(
                "feed %s lists %d items, arXiv's maximum: some may be missing; crawl fewer "
                "categories per request",
                url,
                len(document.papers),
            )
        if not document.papers:
            log.info("feed %s is empty (no announcement: a weekend or a holiday)", url)
        run.parameters.update({k: v for k, v in _stored_validators(fetched.headers).items() if v})
        result.counts = run.counts
        result.records = document.papers
        return result


def _stored_validators(headers) -> dict[str, str | None]:
    return {"etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified")}


def _validators_of(request_headers: dict[str, str]) -> dict[str, str]:
    kept = {}
    if "If-None-Match" in request_headers:
        kept["etag"] = request_headers["If-None-Match"]
    if "If-Modified-Since" in request_headers:
        kept["last_modified"] = request_headers["If-Modified-Since"]
    return kept

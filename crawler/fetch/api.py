"""The search API (``<api base>/query``): searches paged with start/max_results, and look-ups
of papers by id in batches of at most 100.

The API's quirks, as arXiv's clients meet them: an error is an Atom feed with one entry
titled "Error" (HTTP 400), raised here as ``SourceError``; a page may come back empty before
``totalResults`` is reached, which is retried (``EMPTY_PAGE_POLICY``) rather than taken for
the end; pages can overlap, so a paper is kept once per crawl. Both response formats (the
legacy one and the current one) are read by the parser.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch.client import ArxivClient
from crawler.fetch.documents import fetch_document
from crawler.fetch.errors import CrawlError, FetchError, SourceError
from crawler.fetch.progress import NoProgress, Progress
from crawler.ids import ArxivId, parse_arxiv_id
from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks
from crawler.records import PaperRecord, ParsedDocument
from crawler.runs import recorded_run
from retry import AsyncRetry, Policy

log = logging.getLogger("coolpapers.crawl")

PAGE_SIZE = 100
ID_BATCH = 100
# The API serves no result past this offset.
RESULT_LIMIT = 30_000
# An empty page before totalResults: tried this often, this many seconds apart.
EMPTY_PAGE_POLICY = Policy(max_tries=3, wait=3.0, retry_on=())


@dataclass(slots=True)
class ApiResult:
    run_id: int
    counts: IngestCounts
    total_results: int | None = None
    papers: int = 0
    missing: list[str] = field(default_factory=list)


def query_url(api_base: str) -> str:
    return f"{api_base.rstrip('/')}/query"


async def fetch_page(client: ArxivClient, api_base: str, params: dict[str, str]) -> ParsedDocument:
    """One page of the API, as a document (asked for again while it comes cut short); error
    entries raise ``SourceError``."""
    url = query_url(api_base)
    fetched, document = await fetch_document(client, url, "api", params=params, statuses=(200, 400))
    if document.error is not None:
        raise SourceError(f"arXiv API error for {fetched.url}: {document.error}", "api-error")
    if fetched.status != 200:
        raise FetchError(f"GET {fetched.url}: HTTP {fetched.status} with no error entry")
    return document


async def fetch_results_page(
    client: ArxivClient, api_base: str, params: dict[str, str], start: int
) -> ParsedDocument:
    """A page of results at ``start``; an empty page before ``totalResults`` is retried, and
    raises ``CrawlError`` if it stays empty."""

    def empty_too_soon(document: ParsedDocument | None) -> bool:
        return (
            document is not None
            and not document.papers
            and not document.problems
            and start < (document.total_results or 0)
        )

    policy = EMPTY_PAGE_POLICY.replace(retry_on_result=empty_too_soon)
    document: ParsedDocument | None = None
    async for attempt in AsyncRetry(
        policy, sleep=client.sleep, clock=client.clock, raise_on_give_up=False
    ):
        with attempt:
            document = await fetch_page(client, api_base, {**params, "start": str(start)})
            attempt.result = document
        if not attempt.allright and attempt.exception is None:
            log.warning("API page at start=%d is empty before the end; trying again", start)
    assert document is not None
    if empty_too_soon(document):
        raise CrawlError(
            f"the API kept answering an empty page at start={start} although it counts "
            f"{document.total_results} results (tried {attempt.attempts} times)"
        )
    return document


async def crawl_query(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    query: str,
    *,
    api_base: str,
    max_results: int | None = None,
    page_size: int = PAGE_SIZE,
    sort_by: str = "submittedDate",
    sort_order: str = "descending",
    progress: Progress | None = None,
    hooks: IngestHooks = NO_HOOKS,
) -> ApiResult:
    """Crawl the results of a search, page by page, each page in its own transaction.

    The default order (newest submissions first) is stable between pages, which the
    relevance order is not.
    """
    progress = progress or NoProgress()
    limit = min(max_results or RESULT_LIMIT, RESULT_LIMIT)
    parameters = {"query": query, "max": max_results, "sort_by": sort_by, "order": sort_order}
    seen: set[str] = set()
    async with recorded_run(sessions, "api", parameters, hooks=hooks) as run:
        result = ApiResult(run.run_id, run.counts)
        progress.start(f"api {query}", total=None)
        start = 0
        try:
            while start < limit:
                params = {
                    "search_query": query,
                    "sortBy": sort_by,
                    "sortOrder": sort_order,
                    "max_results": str(min(page_size, limit - start)),
                }
                document = await fetch_results_page(client, api_base, params, start)
                total = document.total_results or 0
                result.total_results = total
                limit = min(limit, total)
                fresh = []
                for paper in document.papers:
                    if paper.arxiv_id not in seen:
                        seen.add(paper.arxiv_id)
                        fresh.append(paper)
                received = len(document.papers) + len(document.problems)
                start += received
                await run.commit(fresh, checkpoint=str(start), failed=len(document.problems))
                progress.advance(len(fresh), total=limit)
                if received == 0:
                    break  # past the end: totalResults said so
        finally:
            progress.close()
        result.counts = run.counts
        result.papers = len(seen)
        run.parameters["total_results"] = result.total_results
        return result


def unique_ids(ids: Iterable[str]) -> list[ArxivId]:
    """Parse ids (any style, with or without version), keeping the first of duplicates."""
    parsed = [parse_arxiv_id(text) for text in ids]
    return list(dict.fromkeys(parsed))


async def fetch_papers(
    client: ArxivClient, ids: Iterable[str | ArxivId], *, api_base: str
) -> tuple[list[PaperRecord], list[str]]:
    """The records of ``ids`` (batches of ``ID_BATCH``), and the ids the API did not know."""
    wanted = [i if isinstance(i, ArxivId) else parse_arxiv_id(i) for i in ids]
    wanted = list(dict.fromkeys(wanted))
    records: list[PaperRecord] = []
    missing: list[str] = []
    for batch_start in range(0, len(wanted), ID_BATCH):
        batch = wanted[batch_start : batch_start + ID_BATCH]
        document = await fetch_page(
            client,
            api_base,
            {"id_list": ",".join(map(str, batch)), "start": "0", "max_results": str(len(batch))},
        )
        found = {(p.arxiv_id, p.version) for p in document.papers}
        found_ids = {p.arxiv_id for p in document.papers}
        for item in batch:
            known = (item.id, item.version) in found if item.version else item.id in found_ids
            if not known:
                missing.append(str(item))
        records.extend(document.papers)
    return records, missing


async def crawl_papers(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    ids: Iterable[str],
    *,
    api_base: str,
    progress: Progress | None = None,
    hooks: IngestHooks = NO_HOOKS,
) -> ApiResult:
    """Fetch papers by id and upsert them, one transaction per batch of ``ID_BATCH``.

    Ids the API does not know are listed in ``missing`` and counted as failed.
    """
    progress = progress or NoProgress()
    wanted = unique_ids(ids)
    parameters = {"ids": [str(i) for i in wanted]}
    async with recorded_run(sessions, "api-ids", parameters, hooks=hooks) as run:
        result = ApiResult(run.run_id, run.counts)
        progress.start("api ids", total=len(wanted))
        try:
            for batch_start in range(0, len(wanted), ID_BATCH):
                batch = wanted[batch_start : batch_start + ID_BATCH]
                records, missing = await fetch_papers(client, batch, api_base=api_base)
                await run.commit(
                    records, checkpoint=str(batch_start + len(batch)), failed=len(missing)
                )
                result.missing.extend(missing)
                result.papers += len({r.arxiv_id for r in records})
                progress.advance(len(batch))
        finally:
            progress.close()
        if result.missing:
            run.gaps["missing"] = result.missing[:1000]
            log.warning(
                "the API does not know %d of the ids: %s",
                len(result.missing),
                ", ".join(result.missing[:20]),
            )
        result.counts = run.counts
        return result

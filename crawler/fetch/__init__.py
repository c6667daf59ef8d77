"""Polite fetchers for arXiv's machine interfaces: the daily feeds, the search API and
OAI-PMH, feeding the idempotent ingest so that no crawl loses or duplicates a paper.

- ``client``: ``ArxivClient``, one httpx client per host, every request through the host's
  ``HostGate`` (``gate``), retries by ``retry.http_policy``, bodies capped in size.
- ``rss``: ``crawl_rss`` (conditional GET; announcements with their type and day).
- ``api``: ``crawl_query`` (paged search), ``crawl_papers``/``fetch_papers`` (by id).
- ``oai``: ``harvest`` (ListRecords in ``arXivRaw``, checkpointed per page, resumable).
- ``progress``: a rich bar on a terminal, log lines otherwise.
- ``documents``: ``fetch_document``, a response read as a document; a body cut short
  (``TruncatedDocument``) is asked for again under the client's ``document_policy``.
- ``errors``: ``CrawlError`` and its kinds, each a one-line reason.

Every crawl is a recorded crawl run (``crawler.runs``): counts, checkpoint and outcome.
"""

from crawler.fetch.api import ApiResult, crawl_papers, crawl_query, fetch_papers
from crawler.fetch.client import ArxivClient, Fetched, host_of
from crawler.fetch.errors import (
    AccessDenied,
    BadDocument,
    CrawlError,
    FetchError,
    ResponseTooLarge,
    SourceError,
    TruncatedDocument,
)
from crawler.fetch.gate import GATES, GateRegistry, HostGate
from crawler.fetch.oai import METADATA_PREFIX, HarvestResult, harvest
from crawler.fetch.progress import LogProgress, NoProgress, Progress, RichProgress, progress_for
from crawler.fetch.rss import RssResult, crawl_rss, feed_url

__all__ = [
    "GATES",
    "METADATA_PREFIX",
    "AccessDenied",
    "ApiResult",
    "ArxivClient",
    "BadDocument",
    "CrawlError",
    "FetchError",
    "Fetched",
    "GateRegistry",
    "HarvestResult",
    "HostGate",
    "LogProgress",
    "NoProgress",
    "Progress",
    "ResponseTooLarge",
    "RichProgress",
    "RssResult",
    "SourceError",
    "TruncatedDocument",
    "crawl_papers",
    "crawl_query",
    "crawl_rss",
    "feed_url",
    "fetch_papers",
    "harvest",
    "host_of",
    "progress_for",
]

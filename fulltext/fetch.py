"""Fetching the full text of one paper version from arXiv: its HTML rendering, else its PDF.

Requests go through the crawler's :class:`ArxivClient` (one request at a time per host,
``MIN_REQUEST_INTERVAL`` apart, the User-Agent with the contact address, timeouts, 429 and 5xx
retried by ``retry.http_policy``), whose size cap is ``FULLTEXT_MAX_MB`` here
(:func:`fulltext_client`). The HTML page is ``<ARXIV_HTML_BASE>/<id>v<n>``; when arXiv has none
(404, or its notice that the conversion failed) the PDF ``<ARXIV_PDF_BASE>/<id>v<n>`` is read.
A venue paper's full text is the PDF at its ``pdf_url`` (:func:`fetch_venue_pdf`).
Every way it ends is an :class:`Outcome` with a status and, unless ``ok``, the reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from crawler.fetch.client import ArxivClient
from crawler.fetch.errors import FetchError, ResponseTooLarge
from fulltext.document import FullText, FullTextStatus
from fulltext.html import NotLaTeXML, extract_html
from fulltext.pdf import DEFAULT_TIMEOUT, PdfUnreadable, extract_pdf_async
from models.settings import Settings

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Where full texts come from and how much of one is read."""

    html_base: str = "https://arxiv.org/html"
    pdf_base: str = "https://arxiv.org/pdf"
    max_bytes: int = 50 * MIB
    extract_timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchConfig:
        return cls(
            html_base=settings.ARXIV_HTML_BASE,
            pdf_base=settings.ARXIV_PDF_BASE,
            max_bytes=int(settings.FULLTEXT_MAX_MB * MIB),
        )


def fulltext_client(settings: Settings, **options: Any) -> ArxivClient:
    """An arXiv client whose responses may be as large as ``FULLTEXT_MAX_MB``."""
    options.setdefault("max_bytes", FetchConfig.from_settings(settings).max_bytes)
    return ArxivClient.from_settings(settings, **options)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How fetching one version ended."""

    status: FullTextStatus
    source: str | None = None
    reason: str | None = None
    document: FullText | None = None
    bytes_fetched: int = 0

    @classmethod
    def failed(cls, reason: str, source: str | None = None, size: int = 0) -> Outcome:
        return cls(FullTextStatus.FAILED, source, reason, None, size)


def _too_large(exc: ResponseTooLarge, source: str, limit: int) -> Outcome:
    return Outcome(
        FullTextStatus.TOO_LARGE,
        source,
        f"the {source.upper()} is larger than {limit / MIB:g} MiB (FULLTEXT_MAX_MB)",
    )


async def _get(client: ArxivClient, url: str, source: str) -> tuple[Any, Outcome | None]:
    try:
        return await client.get(url), None
    except ResponseTooLarge as exc:
        return None, _too_large(exc, source, client.max_bytes)
    except FetchError as exc:
        return None, Outcome.failed(str(exc), source)


async def fetch_html(client: ArxivClient, url: str) -> tuple[Outcome | None, str]:
    """The outcome of the HTML page, or None and why the PDF should be read instead."""
    response, failed = await _get(client, url, "html")
    if failed is not None:
        return failed, ""
    if response.status == 404:
        return None, "no HTML rendering (HTTP 404)"
    if response.status != 200:
        return Outcome.failed(f"GET {url}: HTTP {response.status}", "html"), ""
    try:
        document = await asyncio.to_thread(extract_html, response.content)
    except NotLaTeXML as exc:
        if "no HTML rendering" in str(exc):
            return None, str(exc)
        return Outcome.failed(f"{url}: {exc}", "html", len(response.content)), ""
    return Outcome(FullTextStatus.OK, "html", None, document, len(response.content)), ""


async def fetch_pdf(
    client: ArxivClient, url: str, timeout: float, *, host: str = "arXiv"
) -> Outcome:
    response, failed = await _get(client, url, "pdf")
    if failed is not None:
        return failed
    if response.status == 404:
        return Outcome(FullTextStatus.NONE, "pdf", f"{host} has no PDF at {url} (HTTP 404)")
    if response.status != 200:
        return Outcome.failed(f"GET {url}: HTTP {response.status}", "pdf")
    size = len(response.content)
    try:
        document = await extract_pdf_async(response.content, timeout=timeout)
    except PdfUnreadable as exc:
        return Outcome.failed(f"{url}: {exc}", "pdf", size)
    return Outcome(FullTextStatus.OK, "pdf", None, document, size)


async def fetch_fulltext(
    client: ArxivClient, config: FetchConfig, paper_id: str, version: int
) -> Outcome:
    """The full text of ``paper_id`` v``version``: the HTML page, else the PDF."""
    html, why_not = await fetch_html(client, f"{config.html_base}/{paper_id}v{version}")
    if html is not None:
        return html
    outcome = await fetch_pdf(
        client, f"{config.pdf_base}/{paper_id}v{version}", config.extract_timeout
    )
    if outcome.status != FullTextStatus.OK and outcome.reason:
        outcome = Outcome(
            outcome.status,
            outcome.source,
            f"{why_not}; {outcome.reason}",
            None,
            outcome.bytes_fetched,
        )
    return outcome


async def fetch_venue_pdf(client: ArxivClient, config: FetchConfig, pdf_url: str | None) -> Outcome:
    """The full text of a venue paper: the PDF its venue links (``venue_papers.pdf_url``)."""
    if not pdf_url:
        return Outcome(FullTextStatus.NONE, "pdf", "the venue links no PDF of this paper")
    return await fetch_pdf(client, pdf_url, config.extract_timeout, host="the venue")


def read_recorded(content: bytes) -> FullText:
    """A recorded HTML page or PDF, told apart by content; raises ``NotLaTeXML`` or
    ``PdfUnreadable`` when it is neither readable."""
    from fulltext.pdf import extract_pdf

    if content.lstrip()[:5].startswith(b"%PDF"):
        return extract_pdf(content)
    return extract_html(content)

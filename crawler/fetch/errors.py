"""Why a crawl stopped: each error carries a one-line message a person can act on."""

from __future__ import annotations


class CrawlError(Exception):
    """A crawl stopped. ``run_id`` is its crawl run once one was recorded."""

    run_id: int | None = None


class FetchError(CrawlError):
    """A request failed for good: retries exhausted, a status that retrying cannot fix."""


class ResponseTooLarge(FetchError):
    """A response body was larger than the client accepts; it was not read past the limit."""


class AccessDenied(FetchError):
    """arXiv answered 403: it has refused this client, and hammering on makes it worse."""


class SourceError(CrawlError):
    """arXiv answered with an error document: an error feed, the API's error entry, an
    OAI-PMH error. Retrying the same request gives the same answer."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class BadDocument(CrawlError):
    """A response that is not a readable arXiv document (malformed, truncated, an entity
    declaration): nothing of it is written."""


class TruncatedDocument(BadDocument):
    """A complete response (status 200) whose document breaks off or does not parse: a
    body cut short on its way. Asking again usually gets it whole."""

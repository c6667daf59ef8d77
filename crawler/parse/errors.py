"""The one exception the parsers raise."""

from __future__ import annotations


class ParseError(ValueError):
    """A document that cannot be read at all: malformed, truncated, too large or unknown.

    Error documents from arXiv (an RSS error feed, the API's ``Error`` entry, an OAI
    ``<error>``) are not ParseErrors: they parse into a document with ``error`` set.
    """


class MalformedDocument(ParseError):
    """XML that breaks off or does not parse (or no document at all): what a response cut
    short looks like, unlike a document refused for what it is (too large, entities)."""

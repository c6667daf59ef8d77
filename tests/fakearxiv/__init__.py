"""A fake arXiv for tests: a real HTTP server on 127.0.0.1 that replays the recorded
responses of tests/fixtures/arxiv and misbehaves on request.

    with FakeArxiv() as arxiv:                  # a free port, a thread of its own
        settings.ARXIV_RSS_BASE = arxiv.url     # likewise ARXIV_API_BASE = arxiv.url + "/api"
        ...                                     # and ARXIV_OAI_BASE = arxiv.url + "/oai"
        arxiv.inject(Status(503, retry_after=7), path="/oai", times=2)
        arxiv.seen("/oai")                      # the requests that arrived, in order

Routes (``FakeArxiv``):

- ``/rss/<q>`` and ``/atom/<q>``: the body in ``feeds[q]`` / ``atom_feeds[q]`` (recorded:
  ``LAYA_QUERY`` -> a 4-item feed, ``AIOARXIV_QUERY`` -> the 85-item feed, atom ``cs.LG``),
  with ``ETag`` (sha256 of the body) and ``Last-Modified``; ``If-None-Match`` with the
  ETag gets 304. Any other query gets the recorded error feed with HTTP 400.
  ``empty_feed(q)`` makes a weekend feed; ``feed_with_day(body, day)`` moves its dates.
- ``/api/query``: ``search_query`` pages (``start``/``max_results``) through
  ``search_results[q]`` (default: the 100 recorded entries of the "testing" search);
  ``id_list`` looks ids up in ``api_corpus`` (every recorded entry); a malformed id gets
  the API's error document with HTTP 400. ``api_replies[(q, start)] = Reply(...)`` replays
  a recorded page verbatim (e.g. the legacy format). ``empty_api_page`` renders the empty
  page the API sometimes answers mid-way (use it with ``Render``).
- ``/oai``: ``ListRecords`` (``metadataPrefix=arXivRaw``, ``set``, ``from``, ``until`` on
  the datestamp) over ``oai_records`` (the 1000 records of the recorded page
  arxivsync_47001.xml) in pages of ``oai_page_size``, with resumption tokens in the old
  service's style (``496549|251`` with ``cursor``/``completeListSize``) or the new one's
  (``oai_token_style = "new"``: URL-quoted query with ``skip``, an empty token on the last
  page). No match gives ``noRecordsMatch``; an unknown or expired token (``expire_tokens()``)
  ``badResumptionToken``.

- ``/html/<id>v<n>`` and ``/pdf/<id>v<n>``: ``html_pages[id]`` / ``pdfs[id]`` (default: the
  recorded pages and PDFs of tests/fixtures/fulltext, by ``<id>v<n>``); others get 404.

Faults (``inject(fault, path=..., params={...}, skip=n, times=k)``: after ``skip``
matching requests, answer the next ``times`` ones (None: all) with the fault):
``Status(code, retry_after)``, ``Stall(seconds)`` (None: until the server stops; a
timeout), ``Reset()`` (TCP reset), ``Truncate(fraction)`` (Content-Length promised, body
cut, connection closed), ``CutShort(fraction)`` (a whole response of part of the body:
the document breaks off), ``Serve(body, status)`` (e.g. ``XML_BOMB``), ``Render(fn)``,
``Endless()`` (a chunked body that never ends).

The log: ``requests``/``seen(path)`` (method, path, query, lower-case headers, ``arrived``
and ``finished`` on ``time.monotonic()``, the fault used), ``max_in_flight``,
``wait_for(predicate, timeout)`` to block until a request arrives.
"""

from tests.fakearxiv.arxiv import (
    AIOARXIV_QUERY,
    LAYA_QUERY,
    XML_BOMB,
    FakeArxiv,
    api_entries,
    api_error,
    api_feed,
    empty_feed,
    feed_with_day,
    fixture,
    fulltext_fixtures,
    oai_records,
)
from tests.fakearxiv.server import (
    CutShort,
    Endless,
    FakeServer,
    Render,
    Reply,
    Request,
    Reset,
    Serve,
    Stall,
    Status,
    Truncate,
)

__all__ = [
    "AIOARXIV_QUERY",
    "LAYA_QUERY",
    "XML_BOMB",
    "CutShort",
    "Endless",
    "FakeArxiv",
    "FakeServer",
    "Render",
    "Reply",
    "Request",
    "Reset",
    "Serve",
    "Stall",
    "Status",
    "Truncate",
    "api_entries",
    "api_error",
    "api_feed",
    "empty_feed",
    "feed_with_day",
    "fixture",
    "fulltext_fixtures",
    "oai_records",
]

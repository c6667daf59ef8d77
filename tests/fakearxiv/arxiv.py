"""``FakeArxiv``: the feeds, the search API and OAI-PMH of arXiv, served from the recorded
responses in tests/fixtures/arxiv (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode

from crawler.ids import is_arxiv_id, parse_arxiv_id
from tests.fakearxiv.server import FakeServer, Reply, Request

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "arxiv"
FULLTEXT_FIXTURES = FIXTURES.parent / "fulltext"
_FULLTEXT_NAME = re.compile(r"^arxiv_(?:html_)?(\d{4}\.\d{4,5}v\d+)")


def fulltext_fixtures(kind: str) -> dict[str, bytes]:
    """The recorded HTML pages (``kind="html"``) or PDFs (``"pdf"``) by ``<id>v<n>``."""
    found = {}
    for path in sorted((FULLTEXT_FIXTURES / kind).glob(f"*.{kind}")):
        match = _FULLTEXT_NAME.match(path.name)
        if match:
            found[match.group(1)] = path.read_bytes()
    return found


LAYA_QUERY = "cs.LG+cs.AI+cs.CL+stat.ML"
AIOARXIV_QUERY = (
    "astro-ph+cond-mat+physics+quant-ph+math+cs+econ+eess+gr-qc+hep-ex+hep-lat+hep-ph+hep-th"
    "+math-ph+nlin+nucl-ex+nucl-th+q-bio+q-fin+stat"
)
LAST_MODIFIED = "Thu, 24 Sep 2026 08:58:05 GMT"

# The classic entity bomb: a few hundred bytes that expand to gigabytes if entities resolve.
XML_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<rss version="2.0"><channel><title>&lol9;</title></channel></rss>\n'
)


def fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


# -- the feeds -------------------------------------------------------------------------


def empty_feed(query: str) -> bytes:
    """A feed of ``query`` with its channel and no item, as on weekends and holidays."""
    head = fixture("rss/laya-reader_arxiv_rss.xml").split(b"<item>", 1)[0]
    head = head.replace(LAYA_QUERY.encode(), query.encode())
    names = ", ".join(query.split("+")).encode()
    head = head.replace(b"cs.LG, cs.AI, cs.CL, stat.ML", names)
    return head.rstrip() + b"\n  </channel>\n</rss>\n"


def feed_with_day(body: bytes, day: dt.date) -> bytes:
    """``body`` with every pubDate moved to ``day`` (midnight in New York, as arXiv dates)."""
    stamp = f"{day:%a, %d %b %Y} 00:00:00 -0400".encode()
    return re.sub(rb"<pubDate>[^<]*</pubDate>", b"<pubDate>" + stamp + b"</pubDate>", body)


# -- the search API ---------------------------------------------------------------------

_ENTRY = re.compile(rb"<entry>.*?</entry>", re.DOTALL)
_ENTRY_ID = re.compile(rb"<id>\s*https?://arxiv\.org/abs/([^<\s]+)\s*</id>")


@dataclass(frozen=True)
class ApiEntry:
    arxiv_id: str
    version: int | None
    xml: bytes


def api_entries(body: bytes) -> list[ApiEntry]:
    """The entries of a recorded API page, as bytes, with the id each one holds."""
    entries = []
    for match in _ENTRY.finditer(body):
        found = _ENTRY_ID.search(match.group(0))
        if found is None:
            continue
        arxiv = parse_arxiv_id(found.group(1).decode())
        entries.append(ApiEntry(arxiv.id, arxiv.version, match.group(0)))
    return entries


def api_feed(
    entries: list[bytes], *, total: int, start: int, per_page: int, query: str = ""
) -> bytes:
    """A page of the current API format around ``entries``."""
    title = escape(f"arXiv Query: {query}&start={start}&max_results={per_page}")
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/fake</id>\n"
        f"  <title>{title}</title>\n"
        "  <updated>2026-04-12T22:45:06Z</updated>\n"
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    ).encode()
    return head + b"\n".join(b"  " + e for e in entries) + b"\n</feed>\n"


def api_error(message: str) -> bytes:
    """The API's error document (its one entry titled "Error"), as served with HTTP 400."""
    body = fixture("atom-api/id_abc_s0_m100_b79c8dcf6bc3.xml")
    anchor = re.sub(r"\W+", "_", message).encode()
    return body.replace(b"incorrect_id_format_for_abc", anchor).replace(
        b"incorrect id format for abc", escape(message).encode()
    )


# -- OAI-PMH ----------------------------------------------------------------------------

_RECORD = re.compile(rb"<record>.*?</record>", re.DOTALL)
_IDENTIFIER = re.compile(rb"<identifier>\s*oai:arXiv\.org:([^<\s]+)\s*</identifier>")
_DATESTAMP = re.compile(rb"<datestamp>\s*([0-9-]+)\s*</datestamp>")
_SET_SPEC = re.compile(rb"<setSpec>\s*([^<\s]+)\s*</setSpec>")


@dataclass(frozen=True)
class OaiRecord:
    identifier: str
    datestamp: str
    sets: tuple[str, ...]
    xml: bytes


def oai_records(body: bytes) -> list[OaiRecord]:
    records = []
    for match in _RECORD.finditer(body):
        xml = match.group(0)
        identifier = _IDENTIFIER.search(xml)
        datestamp = _DATESTAMP.search(xml)
        records.append(
            OaiRecord(
                identifier.group(1).decode() if identifier else "",
                datestamp.group(1).decode() if datestamp else "",
                tuple(s.decode() for s in _SET_SPEC.findall(xml)),
                xml,
            )
        )
    return records


def in_set(record: OaiRecord, set_spec: str | None) -> bool:
    if not set_spec:
        return True
    return any(s == set_spec or s.startswith(set_spec + ":") for s in record.sets)


OAI_ERRORS = {
    "badArgument": "The request includes illegal arguments.",
    "badResumptionToken": "The value of the resumptionToken argument is invalid or expired.",
    "cannotDisseminateFormat": "The metadata format is not supported by the item or repository.",
    "noRecordsMatch": "The combination of the values of the from, until, set and "
    "metadataPrefix arguments results in an empty list.",
}


def oai_envelope(request_url: str, body: bytes, attributes: dict[str, str]) -> bytes:
    attrs = " ".join(f'{k}="{escape(v)}"' for k, v in attributes.items())
    return (
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        b"<responseDate>2026-09-20T10:00:00Z</responseDate>\n"
        + f"<request {attrs}>{escape(request_url)}</request>\n".encode()
        + body
        + b"</OAI-PMH>\n"
    )


class FakeArxiv(FakeServer):
    """The three interfaces of arXiv on one local host (see the package docstring)."""

    def __init__(self, *, port: int = 0) -> None:
        super().__init__(self.route, port=port)
        # Feeds: query -> body. Any other query is answered with the recorded error feed.
        self.feeds: dict[str, bytes] = {
            LAYA_QUERY: fixture("rss/laya-reader_arxiv_rss.xml"),
            AIOARXIV_QUERY: fixture("rss/aioarxiv_rss_mock_feed.trimmed.xml"),
        }
        self.atom_feeds: dict[str, bytes] = {"cs.LG": fixture("rss/paper-forge_arxiv_rss_atom.xml")}
        self.error_feed = fixture("rss/aioarxiv_error_rss_mock_feed.xml")
        # The API: every known entry by id, the results of searches, verbatim replies.
        testing = api_entries(fixture("atom-api/q_testing_s0_m100_cfe7536492ca.xml"))
        self.api_corpus: dict[str, ApiEntry] = {}
        for path in sorted((FIXTURES / "atom-api").glob("*.xml")):
            for entry in api_entries(path.read_bytes()):
                self.api_corpus.setdefault(entry.arxiv_id, entry)
        self.search_results: dict[str, list[ApiEntry]] = {}
        self.default_results: list[ApiEntry] = testing
        self.api_replies: dict[tuple[str, int], Reply] = {}
        # OAI-PMH: the records of one recorded 1000-record page, served in pages.
        self.oai_records: list[OaiRecord] = oai_records(fixture("oai/arxivsync_47001.xml"))
        self.oai_page_size = 250
        self.oai_token_style = "old"  # "old": 496549|1001 with cursor; "new": quoted + skip
        self.oai_prefixes = ("arXivRaw",)
        self._oai_lists: dict[str, dict[str, str]] = {}
        self._token_generation = 0
        # Full texts: /html/<id>v<n> and /pdf/<id>v<n>, by "<id>v<n>"; others get 404.
        self.html_pages: dict[str, bytes] = fulltext_fixtures("html")
        self.pdfs: dict[str, bytes] = fulltext_fixtures("pdf")

    def route(self, request: Request) -> Reply:
        if request.path.startswith("/rss/"):
            return self.feed(unquote(request.path[len("/rss/") :]), request, self.feeds)
        if request.path.startswith("/atom/"):
            return self.feed(unquote(request.path[len("/atom/") :]), request, self.atom_feeds)
        if request.path == "/api/query":
            return self.api(request)
        if request.path == "/oai":
            return self.oai(request)
        if request.path.startswith("/html/"):
            return self.fulltext(request, self.html_pages, "text/html; charset=utf-8")
        if request.path.startswith("/pdf/"):
            return self.fulltext(request, self.pdfs, "application/pdf")
        return Reply(404, b"not found", content_type="text/plain")

    # -- full texts --------------------------------------------------------------------

    def fulltext(self, request: Request, files: dict[str, bytes], content_type: str) -> Reply:
        name = unquote(request.path.split("/", 2)[2]).strip("/")
        body = files.get(name)
        if body is None:
            return Reply(404, b"No such paper version.", content_type="text/plain")
        return Reply(200, body, content_type=content_type)

    # -- feeds -----------------------------------------------------------------------

    def feed(self, query: str, request: Request, feeds: dict[str, bytes]) -> Reply:
        body = feeds.get(query)
        if body is None:
            return Reply(400, self.error_feed, content_type="application/rss+xml")
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Cache-Control": "max-age=600"}
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", headers)
        return Reply(200, body, headers, "application/rss+xml")

    # -- the API -----------------------------------------------------------------------

    def api(self, request: Request) -> Reply:
        try:
            start = int(request.param("start", "0") or 0)
            per_page = int(request.param("max_results", "10") or 10)
        except ValueError:
            return Reply(400, api_error("start and max_results must be integers"))
        if start < 0 or per_page < 0 or per_page > 30000:
            return Reply(400, api_error(f"max_results out of range: {per_page}"))
        id_list = request.param("id_list", "") or ""
        query = request.param("search_query", "") or ""
        if (query, start) in self.api_replies:
            return self.api_replies[(query, start)]
        if id_list:
            entries = []
            for text in id_list.split(","):
                if not is_arxiv_id(text):
                    return Reply(400, api_error(f"incorrect id format for {text}"))
                wanted = parse_arxiv_id(text)
                entry = self.api_corpus.get(wanted.id)
                if entry and (wanted.version is None or wanted.version == entry.version):
                    entries.append(entry)
        else:
            entries = self.search_results.get(query, self.default_results)
        page = [e.xml for e in entries[start : start + per_page]]
        echo = f"search_query={query}&id_list={id_list}"
        return Reply(
            200, api_feed(page, total=len(entries), start=start, per_page=per_page, query=echo)
        )

    def empty_api_page(self, request: Request) -> Reply:
        """What the API sometimes answers mid-way: no entry, though totalResults says more."""
        start = int(request.param("start", "0") or 0)
        query = request.param("search_query", "") or ""
        total = len(self.search_results.get(query, self.default_results))
        per_page = int(request.param("max_results", "10") or 10)
        return Reply(200, api_feed([], total=total, start=start, per_page=per_page))

    # -- OAI-PMH --------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Make every resumption token given so far invalid (they expire at midnight)."""
        self._oai_lists.clear()
        self._token_generation += 1

    def oai(self, request: Request) -> Reply:
        query = dict(request.query)
        verb = query.get("verb")
        if verb != "ListRecords":
            return self.oai_error(request, "badVerb", f"Verb '{verb}' not implemented.")
        if "resumptionToken" in query:
            if len(query) != 2:
                return self.oai_error(request, "badArgument", OAI_ERRORS["badArgument"])
            listing = self._resolve(query["resumptionToken"])
            if listing is None:
                return self.oai_error(
                    request, "badResumptionToken", OAI_ERRORS["badResumptionToken"]
                )
        else:
            listing = {
                k: v for k, v in query.items() if k in ("metadataPrefix", "set", "from", "until")
            }
            listing["skip"] = "0"
        if listing.get("metadataPrefix") not in self.oai_prefixes:
            return self.oai_error(
                request, "cannotDisseminateFormat", OAI_ERRORS["cannotDisseminateFormat"]
            )
        matching = [
            r
            for r in self.oai_records
            if in_set(r, listing.get("set"))
            and (not listing.get("from") or r.datestamp >= listing["from"])
            and (not listing.get("until") or r.datestamp <= listing["until"])
        ]
        if not matching:
            return self.oai_error(request, "noRecordsMatch", OAI_ERRORS["noRecordsMatch"])
        skip = int(listing["skip"])
        page = matching[skip : skip + self.oai_page_size]
        after = skip + len(page)
        body = b"<ListRecords>\n" + b"\n".join(r.xml for r in page) + b"\n"
        body += self._token(listing, skip, after, len(matching))
        body += b"</ListRecords>\n"
        return Reply(
            200,
            oai_envelope(f"{self.url}/oai", body, {"verb": "ListRecords"}),
            content_type="text/xml",
        )

    def _token(self, listing: dict[str, str], skip: int, after: int, total: int) -> bytes:
        more = after < total
        if self.oai_token_style == "old":
            if not more and skip == 0:
                return b""
            cursor = f"cursor='{skip}' completeListSize='{total}'"
            if not more:
                return f"<resumptionToken {cursor}/>\n".encode()
            # One session per list, as on the old service: 496549|251, 496549|501, ...
            session = listing.get("session") or str(
                496549 + len(self._oai_lists) + 1000 * self._token_generation
            )
            self._oai_lists[session] = {k: v for k, v in listing.items() if k != "skip"}
            self._oai_lists[session]["session"] = session
            return f"<resumptionToken {cursor}>{session}|{after + 1}</resumptionToken>\n".encode()
        if not more:
            return b"<resumptionToken/>\n" if skip else b""
        token = quote(
            urlencode(
                {
                    "verb": "ListRecords",
                    **listing,
                    "skip": str(after),
                    "gen": str(self._token_generation),
                }
            )
        )
        expires = "2026-09-21T00:00:00Z"
        return f'<resumptionToken expirationDate="{expires}">{token}</resumptionToken>\n'.encode()

    def _resolve(self, token: str) -> dict[str, str] | None:
        if self.oai_token_style == "old":
            session, _, start = token.partition("|")
            listing = self._oai_lists.get(session)
            if listing is None or not start.isdigit():
                return None
            return {**listing, "skip": str(int(start) - 1)}
        fields = dict(parse_qsl(unquote(token)))
        if fields.pop("gen", None) != str(self._token_generation) or "skip" not in fields:
            return None
        fields.pop("verb", None)
        return fields

    def oai_error(self, request: Request, code: str, message: str) -> Reply:
        body = f'<error code="{code}">{escape(message)}</error>\n'.encode()
        return Reply(
            200, oai_envelope(f"{self.url}/oai", body, dict(request.query)), content_type="text/xml"
        )

"""Crawling a venue from its publisher: OpenReview, CVF open access, the ACL Anthology, PMLR.

``crawl_venue`` fetches the accepted papers of one venue (``ICLR.2024``) from one source
through the crawler's polite client and stores them with ``venues.store``, recorded as a
crawl run of source ``venue-crawl``. OpenReview answers in pages: each page is stored with
the run's checkpoint (``v2:<offset>`` of the next page, ``""`` once the last is stored) in
one transaction, so ``resume=True`` continues an interrupted crawl where it stopped. The
other sources are one document each (a listing page, a collection file, a volume's posts),
stored in one transaction; a CVF listing has no abstracts, so each paper's page is fetched
for its abstract first (a page that fails leaves its paper without one, counted in
``VenueCrawl.abstracts_missing``).

``source_for`` picks the source from the venue's name (``--source`` overrides it).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch.client import ArxivClient
from crawler.fetch.errors import FetchError, SourceError
from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks
from crawler.runs import RunRecorder, find_resumable_run, recorded_run
from venues.acl import parse_anthology
from venues.cvf import CONFERENCES, listing_path, paper_path, parse_abstract, parse_listing
from venues.names import parse_venue
from venues.openreview import PAGE_SIZE, notes_request, parse_notes, venue_group
from venues.pmlr import front_matter, read_config
from venues.records import ParsedVenue, VenueError, VenuePaperRecord
from venues.store import store

log = logging.getLogger("coolpapers.venues")

RUN_SOURCE = "venue-crawl"
SOURCES = ("openreview", "acl", "pmlr", "cvf")
# Kept in rows (fmt: skip): a list of names reads better than one a line.
ACL_NAMES = {"ACL", "EMNLP", "NAACL", "EACL", "COLING", "Findings", "TACL", "CL", "CCL",
             "CoNLL", "LREC", "AACL", "SemEval"}  # fmt: skip
PMLR_NAMES = {"ICML", "AISTATS", "COLT", "ALT", "CoRL", "UAI", "CLeaR", "L4DC", "MIDL"}
# PMLR volume numbers of venues (``--volume`` gives any other).
PMLR_VOLUMES = {
    "ICML.2024": 235, "ICML.2023": 202, "ICML.2022": 162, "ICML.2021": 139,
    "AISTATS.2024": 238, "AISTATS.2023": 206, "COLT.2024": 247, "COLT.2023": 195,
    "ALT.2024": 237, "CoRL.2023": 229, "UAI.2023": 216,
}  # fmt: skip  # a table reads better in rows than one entry a line


@dataclass(frozen=True, slots=True)
class SourceBases:
    """Where each source is fetched from (settings ``OPENREVIEW_API_BASE`` and the others)."""

    openreview: str = "https://api2.openreview.net"
    openreview_v1: str = "https://api.openreview.net"
    cvf: str = "https://openaccess.thecvf.com"
    acl: str = "https://raw.githubusercontent.com/acl-org/acl-anthology/master/data/xml"
    pmlr: str = "https://raw.githubusercontent.com/mlresearch"
    pmlr_index: str = "https://api.github.com/repos/mlresearch"


@dataclass(slots=True)
class VenueCrawl:
    run_id: int
    venue: str
    source: str
    counts: IngestCounts
    papers: int = 0
    pages: int = 0
    api: str | None = None  # OpenReview: the API that had the venue
    resumed: bool = False
    problems: list[str] = field(default_factory=list)
    abstracts_missing: int = 0  # CVF: papers whose page gave no abstract


def source_for(venue: str) -> str:
    """The source a venue is crawled from by default; ``VenueError`` for a malformed name."""
    parsed = parse_venue(venue)
    if parsed is None:
        raise VenueError(f"not a venue name: {venue!r} (expected NAME.YEAR, e.g. ICLR.2024)")
    name = parsed[0]
    if name in CONFERENCES:
        return "cvf"
    if name in ACL_NAMES:
        return "acl"
    if name in PMLR_NAMES:
        return "pmlr"
    return "openreview"


def normal_venue(venue: str) -> str:
    parsed = parse_venue(venue)
    if parsed is None:
        raise VenueError(f"not a venue name: {venue!r} (expected NAME.YEAR, e.g. ICLR.2024)")
    return f"{parsed[0]}.{parsed[1]}"


async def crawl_venue(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    venue: str,
    *,
    source: str | None = None,
    bases: SourceBases = SourceBases(),
    volume: int | None = None,
    resume: bool = False,
    page_size: int = PAGE_SIZE,
    hooks: IngestHooks = NO_HOOKS,
) -> VenueCrawl:
    """Crawl ``venue`` from ``source`` (default: ``source_for(venue)``); with ``resume``,
    continue the last unfinished crawl of the same venue and source."""
    venue = normal_venue(venue)
    source = source or source_for(venue)
    if source not in SOURCES:
        raise VenueError(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
    parameters = {"venue": venue, "source": source}
    resumable = await find_resumable_run(sessions, RUN_SOURCE, parameters) if resume else None
    async with recorded_run(
        sessions, RUN_SOURCE, parameters, resume=resumable.id if resumable else None, hooks=hooks
    ) as run:
        result = VenueCrawl(run.run_id, venue, source, run.counts, resumed=resumable is not None)
        if source == "openreview":
            checkpoint = run.checkpoint if resumable else None
            await _openreview(run, client, bases, venue, checkpoint, result, page_size)
        else:
            parsed = await _document(client, bases, venue, source, volume)
            papers = [p for p in parsed.papers if p.venue == venue]
            others = len(parsed.papers) - len(papers)
            if others:
                parsed.problems.append(f"{others} papers of other venues in the same file left out")
            if source == "cvf":
                papers, result.abstracts_missing = await _cvf_abstracts(
                    client, bases, venue, papers, parsed.problems
                )
            await _commit(run, papers, parsed, checkpoint="")
            result.papers, result.pages = len(papers), 1
            result.problems = parsed.problems
        if result.problems:
            run.gaps["problems"] = result.problems[:50]
        result.counts = run.counts
    return result


async def _commit(
    run: RunRecorder,
    papers: list[VenuePaperRecord],
    parsed: ParsedVenue,
    *,
    checkpoint: str,
) -> None:
    async def write(session: AsyncSession) -> IngestCounts:
        return await store(session, papers, parsed.volumes, run_id=run.run_id, hooks=run.hooks)

    await run.commit_with(write, checkpoint=checkpoint, failed=parsed.skipped)


async def _openreview(
    run: RunRecorder,
    client: ArxivClient,
    bases: SourceBases,
    venue: str,
    checkpoint: str | None,
    result: VenueCrawl,
    page_size: int,
) -> None:
    group = venue_group(venue)
    if checkpoint == "":
        log.info("venue crawl run %d had stored its last page", run.run_id)
        return
    api, offset = ("v2", 0)
    if checkpoint:
        api, _, number = checkpoint.partition(":")
        offset = int(number or 0)
    while True:
        base = bases.openreview if api == "v2" else bases.openreview_v1
        query = notes_request(group, api=api, offset=offset, limit=page_size)
        fetched = await client.get(f"{base}/notes", params=query)
        if fetched.status != 200:
            raise SourceError(
                f"OpenReview {api} {group}: HTTP {fetched.status}: {_message(fetched.content)}"
            )
        try:
            page = parse_notes(fetched.content, venue, api=api)
        except VenueError as exc:
            message = f"{exc} (at offset {offset}; nothing of this page was stored)"
            raise SourceError(message) from None
        if api == "v2" and offset == 0 and page.notes == 0:
            log.info("OpenReview v2 has no accepted paper of %s; asking v1", group)
            api = "v1"
            continue
        offset += page.notes
        done = page.notes < page_size or (page.count is not None and offset >= page.count)
        parsed = ParsedVenue("openreview", problems=page.problems, skipped=len(page.problems))
        await _commit(run, page.papers, parsed, checkpoint="" if done else f"{api}:{offset}")
        result.pages += 1
        result.papers += len(page.papers)
        result.problems.extend(page.problems)
        result.api = api
        if done:
            return


def _message(content: bytes) -> str:
    try:
        body = json.loads(content)
    except ValueError:
        return content[:200].decode("utf-8", "replace")
    if isinstance(body, dict):
        return str(body.get("message") or body.get("name") or body)[:200]
    return str(body)[:200]


async def _get(
    client: ArxivClient, url: str, what: str, params: dict[str, str] | None = None
) -> bytes:
    fetched = await client.get(url, params=params)
    if fetched.status == 404:
        raise SourceError(f"{what}: not found at {url}")
    if fetched.status != 200:
        raise FetchError(f"GET {url}: HTTP {fetched.status}")
    return fetched.content


async def _document(
    client: ArxivClient, bases: SourceBases, venue: str, source: str, volume: int | None
) -> ParsedVenue:
    if source == "cvf":
        path = listing_path(venue)
        content = await _get(client, f"{bases.cvf}{path}", f"CVF {venue}", {"day": "all"})
        return _read(lambda: parse_listing(content, venue))
    if source == "acl":
        collection = anthology_collection(venue)
        url = f"{bases.acl}/{collection}.xml"
        content = await _get(client, url, f"ACL Anthology {collection}")
        return _read(lambda: parse_anthology(content, url))
    return await _pmlr(client, bases, venue, volume)


async def _cvf_abstracts(
    client: ArxivClient,
    bases: SourceBases,
    venue: str,
    papers: list[VenuePaperRecord],
    problems: list[str],
) -> tuple[list[VenuePaperRecord], int]:
    """``papers`` with the abstracts of their pages, and how many pages gave none."""
    found: list[VenuePaperRecord] = []
    missing = 0
    for paper in papers:
        url = f"{bases.cvf}{paper_path(venue, paper.key)}"
        try:
            content = await _get(client, url, f"CVF paper {paper.key}")
            abstract = parse_abstract(content, paper.key)
        except (FetchError, SourceError, VenueError) as exc:
            missing += 1
            problems.append(f"{exc}; stored without abstract")
            found.append(paper)
            continue
        found.append(dataclasses.replace(paper, abstract=abstract))
    return found, missing


def _read(parse: Callable[[], ParsedVenue]) -> ParsedVenue:
    try:
        return parse()
    except VenueError as exc:
        raise SourceError(f"{exc}; nothing was stored") from None


def anthology_collection(venue: str) -> str:
    """``ACL.2024`` → ``2024.acl``; before 2020 the old ids: ``ACL.2017`` → ``P17``."""
    from venues.names import ANTHOLOGY_LETTERS

    name, year = venue.rsplit(".", 1)
    if int(year) >= 2020:
        return f"{year}.{name.lower()}"
    letters = {v: k for k, v in reversed(ANTHOLOGY_LETTERS.items())}
    if name not in letters:
        raise VenueError(f"no ACL Anthology collection known for {venue} before 2020")
    return f"{letters[name]}{int(year) % 100:02d}"


async def _pmlr(
    client: ArxivClient, bases: SourceBases, venue: str, volume: int | None
) -> ParsedVenue:
    number = volume or PMLR_VOLUMES.get(venue)
    if number is None:
        raise VenueError(f"no PMLR volume known for {venue}: give it with --volume")
    repo = f"v{number}"
    config_url = f"{bases.pmlr}/{repo}/gh-pages/_config.yml"
    config = await _get(client, config_url, f"PMLR {repo}")
    reader = _read(lambda: read_config(config.decode("utf-8", "replace"), config_url))
    listing = await _get(client, f"{bases.pmlr_index}/{repo}/contents/_posts", f"PMLR {repo}")
    try:
        files = json.loads(listing)
        names = sorted(str(f["name"]) for f in files if str(f.get("name", "")).endswith(".md"))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise SourceError(f"PMLR {repo}: the list of posts is not the expected JSON") from None
    for name in names:
        url = f"{bases.pmlr}/{repo}/gh-pages/_posts/{name}"
        text = (await _get(client, url, f"PMLR {repo}")).decode("utf-8", "replace")
        try:
            reader.add(front_matter(text, url), url)
        except VenueError as exc:
            reader.parsed.problems.append(f"{exc}; skipped")
            reader.parsed.skipped += 1
    return reader.finish()

"""``coolpapers crawl``: fetch papers from arXiv's daily feeds, search API and OAI-PMH, and
the accepted papers of venues from their publishers."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from cli.context import CommandError, Services, load_settings, run, services
from crawler.fetch import ArxivClient, CrawlError, crawl_papers, crawl_query, crawl_rss, harvest
from crawler.fetch.progress import progress_for
from crawler.ids import InvalidArxivId, parse_arxiv_id
from crawler.ingest import IngestCounts
from models.settings import Settings
from venues.crawl import SOURCES, SourceBases, crawl_venue, source_for
from venues.records import VenueError

T = TypeVar("T")
log = logging.getLogger("coolpapers.crawl")
Work = Callable[[Services, ArxivClient], Awaitable[T]]


def _crawl(settings: Settings, work: Work[T]) -> T:
    if not settings.CONTACT_EMAIL:
        log.warning(
            "COOLPAPERS_CONTACT_EMAIL is not set: arXiv asks crawlers to name a contact in "
            "their User-Agent"
        )

    async def go() -> T:
        async with (
            services(settings, bulk=True) as built,
            ArxivClient.from_settings(settings) as client,
        ):
            return await work(built, client)

    try:
        return run(go)
    except CrawlError as exc:
        where = f" (crawl run {exc.run_id})" if exc.run_id is not None else ""
        raise CommandError(f"{exc}{where}") from exc


def _counts(c: IngestCounts) -> str:
    failed = f", {c.failed} failed" if c.failed else ""
    return f"{c.new} new, {c.updated} updated, {c.unchanged} unchanged{failed}"


@click.group()
def crawl() -> None:
    """Fetch papers from arXiv (daily feeds, the search API, OAI-PMH) and from venues.

    Requests to each host go one at a time, COOLPAPERS_MIN_REQUEST_INTERVAL seconds
    apart, with a User-Agent naming COOLPAPERS_CONTACT_EMAIL. Every crawl is recorded as a
    crawl run with its counts and outcome.
    """


@crawl.command()
@click.argument("categories", nargs=-1)
@click.option("--force", is_flag=True, help="Fetch the feed even if unchanged since last time.")
def rss(categories: tuple[str, ...], force: bool) -> None:
    """Crawl today's announcements of CATEGORIES (default: COOLPAPERS_CATEGORIES), in one
    request for all of them. A feed unchanged since the last crawl costs nothing."""
    settings = load_settings()
    wanted = list(categories) or list(settings.CATEGORIES)
    if not wanted:
        raise click.UsageError("no category given and COOLPAPERS_CATEGORIES is empty")
    result = _crawl(
        settings,
        lambda built, client: crawl_rss(
            built.sessions,
            client,
            wanted,
            rss_base=settings.ARXIV_RSS_BASE,
            conditional=not force,
            hooks=built.hooks,
        ),
    )
    name = "+".join(wanted) if len(wanted) <= 4 else f"{len(wanted)} categories"
    if result.not_modified:
        click.echo(f"rss {name}: unchanged since the last crawl (run {result.run_id})")
    elif result.empty:
        click.echo(f"rss {name}: no announcement today (run {result.run_id})")
    else:
        c = result.counts
        click.echo(
            f"rss {name}: {len(result.records)} papers ({_counts(c)}), "
            f"{c.announcements} new announcements (run {result.run_id})"
        )


@crawl.command()
@click.option("--query", "-q", required=True, help="An arXiv search query, e.g. 'cat:cs.CL'.")
@click.option(
    "--max", "max_results", type=click.IntRange(1, 30000), help="Stop after this many results."
)
def api(query: str, max_results: int | None) -> None:
    """Crawl the results of a search API query, newest submissions first."""
    settings = load_settings()
    result = _crawl(
        settings,
        lambda built, client: crawl_query(
            built.sessions,
            client,
            query,
            api_base=settings.ARXIV_API_BASE,
            max_results=max_results,
            progress=progress_for(sys.stderr),
            hooks=built.hooks,
        ),
    )
    click.echo(
        f"api {query!r}: {result.papers} papers of {result.total_results} results "
        f"({_counts(result.counts)}) (run {result.run_id})"
    )


@crawl.command()
@click.argument("ids", nargs=-1, required=True)
def paper(ids: tuple[str, ...]) -> None:
    """Fetch the papers IDS (new or old style, with or without version: 2401.01234,
    hep-th/9901001v2, arXiv:2401.01234, an abs URL)."""
    for text in ids:
        try:
            parse_arxiv_id(text)
        except InvalidArxivId as exc:
            raise click.BadParameter(str(exc), param_hint="IDS") from exc
    settings = load_settings()
    result = _crawl(
        settings,
        lambda built, client: crawl_papers(
            built.sessions,
            client,
            ids,
            api_base=settings.ARXIV_API_BASE,
            progress=progress_for(),
            hooks=built.hooks,
        ),
    )
    missing = f"; not found: {', '.join(result.missing)}" if result.missing else ""
    click.echo(
        f"papers: {result.papers} fetched ({_counts(result.counts)}){missing} (run {result.run_id})"
    )


@crawl.command()
@click.option("--set", "set_spec", help="An OAI set, e.g. cs or physics:hep-th (default: all).")
@click.option("--from", "from_", type=click.DateTime(["%Y-%m-%d"]), help="Changed on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Changed on or before.")
@click.option("--resume", is_flag=True, help="Continue the last unfinished same harvest.")
def oai(
    set_spec: str | None, from_: dt.datetime | None, until: dt.datetime | None, resume: bool
) -> None:
    """Harvest metadata through OAI-PMH (arXivRaw records), page by page; an interrupted
    harvest continues where it stopped with --resume."""
    settings = load_settings()
    result = _crawl(
        settings,
        lambda built, client: harvest(
            built.sessions,
            client,
            oai_base=settings.ARXIV_OAI_BASE,
            set_spec=set_spec,
            from_=from_.date() if from_ else None,
            until=until.date() if until else None,
            resume=resume,
            progress=progress_for(sys.stderr),
            hooks=built.hooks,
        ),
    )
    resumed = ", resumed" if result.resumed else ""
    click.echo(
        f"oai {set_spec or 'all'}: {result.papers} records in {result.pages} pages "
        f"({_counts(result.counts)}{resumed}) (run {result.run_id})"
    )


def venue_bases(settings: Settings) -> SourceBases:
    """Where each venue source is fetched from, as the settings say."""
    return SourceBases(
        openreview=settings.OPENREVIEW_API_BASE,
        openreview_v1=settings.OPENREVIEW_API_V1_BASE,
        cvf=settings.CVF_BASE,
        acl=settings.ACL_ANTHOLOGY_XML_BASE,
        pmlr=settings.PMLR_RAW_BASE,
        pmlr_index=settings.PMLR_INDEX_BASE,
    )


@crawl.command()
@click.argument("name")
@click.option(
    "--source",
    type=click.Choice(SOURCES),
    help="Where to fetch from (default by venue: CVPR/ICCV/WACV from cvf, ACL, EMNLP... from "
    "acl, ICML, COLT... from pmlr, others from openreview).",
)
@click.option("--volume", type=click.IntRange(1), help="The PMLR volume number (e.g. 247).")
@click.option("--resume", is_flag=True, help="Continue the last unfinished crawl of NAME.")
def venue(name: str, source: str | None, volume: int | None, resume: bool) -> None:
    """Crawl the accepted papers of the venue NAME (e.g. ICLR.2024, CVPR.2024, ACL.2024)."""
    try:
        default = source_for(name)
    except VenueError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    settings = load_settings()
    try:
        result = _crawl(
            settings,
            lambda built, client: crawl_venue(
                built.sessions,
                client,
                name,
                source=source or default,
                bases=venue_bases(settings),
                volume=volume,
                resume=resume,
                hooks=built.hooks,
            ),
        )
    except VenueError as exc:
        raise CommandError(str(exc)) from exc
    api = f" API {result.api}" if result.api else ""
    resumed = ", resumed" if result.resumed else ""
    click.echo(
        f"venue {result.venue} from {result.source}{api}: {result.papers} papers in "
        f"{result.pages} pages ({_counts(result.counts)}{resumed}) (run {result.run_id})"
    )
    for problem in result.problems[:20]:
        click.echo(f"  {problem}", err=True)

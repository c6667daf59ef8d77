"""OAI-PMH harvests (``ListRecords``), page by page, resumable after a crash.

Metadata format: ``arXivRaw``. It is the only one that names every version with its
submission date (and size and source type): the ingest's rule that a newer version
replaces and an older one leaves the paper alone needs exact version numbers, which the
``arXiv`` format does not give (and whose dates mean different things on the old and the
new service). What ``arXivRaw`` lacks is authors split into name parts with affiliations;
the parser splits its author line instead.

Each page is ingested in one transaction that also stores the page's resumption token as
the run's checkpoint: after a crash the run says exactly which page comes next, and
``harvest(..., resume=True)`` continues the latest unfinished run with the same parameters.
Both token styles work, since a token is only ever sent back verbatim: the old service's
``496549|47001`` (with ``cursor`` and ``completeListSize``) and the new service's URL-quoted
query with ``skip`` (no size; the last page carries an empty token). ``noRecordsMatch`` is
an empty harvest; 503 with ``Retry-After`` is waited out by the client; a page cut short
is asked for again with the same token; an expired token (``badResumptionToken``) ends
the harvest with advice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crawler.fetch.client import ArxivClient
from crawler.fetch.documents import fetch_document
from crawler.fetch.errors import SourceError
from crawler.fetch.progress import NoProgress, Progress
from crawler.ingest import NO_HOOKS, IngestCounts, IngestHooks
from crawler.runs import find_resumable_run, recorded_run

log = logging.getLogger("coolpapers.crawl")

SOURCE = "oai"
METADATA_PREFIX = "arXivRaw"


@dataclass(slots=True)
class HarvestResult:
    run_id: int
    counts: IngestCounts
    pages: int = 0
    papers: int = 0
    resumed: bool = False
    complete_list_size: int | None = None


def harvest_parameters(
    set_spec: str | None,
    from_: dt.date | None = None,
    until: dt.date | None = None,
    metadata_prefix: str = METADATA_PREFIX,
) -> dict:
    """The parameters that identify a harvest (and make ``--resume`` find it)."""
    return {
        "set": set_spec,
        "from": from_.isoformat() if from_ else None,
        "until": until.isoformat() if until else None,
        "metadataPrefix": metadata_prefix,
    }


def first_request(parameters: dict) -> dict[str, str]:
    request = {"verb": "ListRecords", "metadataPrefix": parameters["metadataPrefix"]}
    for name in ("set", "from", "until"):
        if parameters.get(name):
            request[name] = parameters[name]
    return request


async def harvest(
    sessions: async_sessionmaker[AsyncSession],
    client: ArxivClient,
    *,
    oai_base: str,
    set_spec: str | None,
    from_: dt.date | None = None,
    until: dt.date | None = None,
    metadata_prefix: str = METADATA_PREFIX,
    resume: bool = False,
    progress: Progress | None = None,
    hooks: IngestHooks = NO_HOOKS,
) -> HarvestResult:
    """Harvest ListRecords; with ``resume``, continue the last unfinished same harvest."""
    progress = progress or NoProgress()
    parameters = harvest_parameters(set_spec, from_, until, metadata_prefix)
    resumable = await find_resumable_run(sessions, SOURCE, parameters) if resume else None
    if resume and resumable is None:
        log.info("no unfinished harvest with these parameters: starting a new one")
    async with recorded_run(
        sessions, SOURCE, parameters, resume=resumable.id if resumable else None, hooks=hooks
    ) as run:
        # The checkpoint is the token of the next page: None before the first page is
        # stored, "" once the last one is.
        token = run.checkpoint if resumable else None
        if resumable and token == "":
            log.info("harvest run %d had stored its last page; closing it", run.run_id)
            return HarvestResult(run.run_id, run.counts, resumed=True)
        if resumable:
            log.info(
                "resuming harvest run %d %s",
                run.run_id,
                f"at token {token}" if token else "from its first page",
            )
        result = HarvestResult(run.run_id, run.counts, resumed=resumable is not None)
        progress.start(f"oai {set_spec or 'all'}", total=None)
        try:
            while True:
                request = (
                    {"verb": "ListRecords", "resumptionToken": token}
                    if token
                    else (first_request(parameters))
                )
                _, document = await fetch_document(client, oai_base, "oai", params=request)
                if document.error_code == "noRecordsMatch":
                    log.info("harvest %s: no records match", parameters)
                    await run.commit([], checkpoint="")
                    break
                if document.error is not None:
                    raise _oai_error(document.error_code, document.error, token)
                next_token = document.resumption_token or ""
                if document.problems:
                    skipped = run.gaps.setdefault("skipped", [])
                    skipped.extend(document.problems[: max(0, 200 - len(skipped))])
                await run.commit(
                    document.papers, checkpoint=next_token, failed=len(document.problems)
                )
                result.pages += 1
                result.papers += len(document.papers)
                if document.total_results is not None:
                    result.complete_list_size = document.total_results
                progress.advance(
                    len(document.papers),
                    total=document.total_results,
                    note=f"page {result.pages}",
                )
                if not next_token:
                    break
                token = next_token
        finally:
            progress.close()
        result.counts = run.counts
        return result


def _oai_error(code: str | None, message: str, token: str | None) -> SourceError:
    if code == "badResumptionToken":
        return SourceError(
            f"OAI-PMH badResumptionToken: {message} (tokens expire; harvest again without "
            "--resume: pages already stored are upserted unchanged)",
            code,
        )
    return SourceError(f"OAI-PMH error {code or ''}: {message}".replace("  ", " "), code)

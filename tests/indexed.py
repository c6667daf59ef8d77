"""The ingest and the imports as the site and the command line run them: every batch indexed
for search in its transaction (``create_app`` and ``cli.context.services`` pass the same
hook)."""

from __future__ import annotations

from typing import Any

import search
from crawler import imports
from crawler import ingest as ingesting
from crawler.ingest import IngestCounts, IngestHooks
from venues import imports as venue_imports

SEARCH_INDEX = IngestHooks(papers_changed=search.index_papers, papers_coming=search.foresee_papers)


async def ingest(*args: Any, **options: Any) -> IngestCounts:
    return await ingesting.ingest(*args, hooks=SEARCH_INDEX, **options)


async def import_files(*args: Any, **options: Any) -> imports.ImportResult:
    return await imports.import_files(*args, hooks=SEARCH_INDEX, **options)


async def import_venues(*args: Any, **options: Any) -> venue_imports.VenueImport:
    return await venue_imports.import_venues(*args, hooks=SEARCH_INDEX, **options)

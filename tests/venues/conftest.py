"""Fixtures of the venue tests: the real Anthology and PMLR files, an archive holding them."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from crawler.records import AuthorRecord, PaperRecord
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.indexed import import_venues, ingest
from web.app import create_app

VENUES = Path(__file__).parent.parent / "fixtures" / "venues"
ACL = VENUES / "acl" / "2024.acl.first30.xml"
CCL = VENUES / "acl" / "2023.ccl.first30.xml"
PMLR = VENUES / "pmlr" / "v247"
# An arXiv paper that is ACL 2024's third paper (same title, two of its authors).
ARXIV_TWIN = PaperRecord(
    arxiv_id="2305.13242",
    version=2,
    title="MAGE: Machine-generated Text Detection\n  in the Wild",
    abstract="Large language models (LLMs) have achieved human-level text generation.",
    authors=(AuthorRecord("Yafu Li"), AuthorRecord("Qintong Li")),
    primary_category="cs.CL",
    categories=("cs.CL",),
    published=dt.datetime(2023, 5, 22, tzinfo=dt.UTC),
)


@pytest.fixture
def pmlr_copy(tmp_path: Path) -> Path:
    target = tmp_path / "v247"
    shutil.copytree(PMLR, target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return target


async def fill_venues(settings: Settings) -> None:
    """The arXiv twin, then the ACL, CCL and COLT files imported (and indexed for search)."""
    engine = create_engine(settings=settings)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            await ingest(session, [ARXIV_TWIN])
        await import_venues(sessions, [ACL, CCL, PMLR])
    finally:
        await engine.dispose()


@pytest.fixture
def venue_settings(settings: Settings) -> Settings:
    asyncio.run(fill_venues(settings))
    return settings


@pytest.fixture
def client(venue_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(venue_settings)) as test_client:
        yield test_client

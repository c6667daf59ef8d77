"""Fixtures of the summary tests: the fake model server, papers, a fake clock, services."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from crawler.records import AnnouncementRecord, AuthorRecord, PaperRecord, VersionRecord
from models.settings import Settings
from retry import FakeClock
from summaries import SummaryService
from tests.indexed import ingest
from tests.summaries.fake_llm import FakeLLM
from tests.summaries.servers import ServedApp, serve
from web.app import create_app

UTC = dt.UTC
# 2024-03-05 12:00 UTC
NOW = dt.datetime(2024, 3, 5, 12, 0, tzinfo=UTC)

ABSTRACT = (
    "Large language models struggle with long inputs. However, the attention cost grows "
    "quadratically with the length $n$, which remains a bottleneck. We propose FlashMix, a "
    "mixing layer whose cost is $O(n \\log n)$. Experiments on three benchmarks show that "
    "FlashMix outperforms strong baselines by 4.2 points while being 3x faster."
)


def record(arxiv_id: str = "2403.00001", version: int = 1, **changes) -> PaperRecord:
    fields = dict(
        arxiv_id=arxiv_id,
        version=version,
        title="FlashMix: fast mixing for long inputs",
        abstract=ABSTRACT,
        authors=(AuthorRecord("Ada Lovelace"),),
        primary_category="cs.CL",
        categories=("cs.CL",),
        published=dt.datetime(2024, 3, 1, 18, 0, tzinfo=UTC),
        updated=dt.datetime(2024, 3, version, 18, 0, tzinfo=UTC),
        versions=tuple(VersionRecord(v) for v in range(1, version + 1)),
    )
    fields.update(changes)
    return PaperRecord(**fields)


def announced(day: dt.date, category: str = "cs.CL") -> AnnouncementRecord:
    return AnnouncementRecord(day, "new", (category,))


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(epoch=NOW.timestamp())


@pytest.fixture
async def paper(sessions) -> str:
    async with sessions.begin() as session:
        await ingest(session, [record()])
    return "2403.00001"


@pytest.fixture
def model_settings(settings: Settings, llm: FakeLLM) -> Settings:
    return settings.model_copy(
        update={
            "LLM_BASE_URL": llm.url,
            "LLM_MODEL": "fake-model",
            "LLM_TIMEOUT": 5.0,
            "LLM_DAILY_BUDGET": 1000,
        }
    )


@pytest.fixture
async def make_service(
    sessions, model_settings: Settings, clock: FakeClock
) -> AsyncIterator[Callable[..., SummaryService]]:
    made: list[SummaryService] = []

    def make(settings: Settings | None = None, **changes) -> SummaryService:
        settings = (settings or model_settings).model_copy(update=changes)
        service = SummaryService.from_settings(settings, sessions, clock=clock, sleep=clock.asleep)
        made.append(service)
        return service

    yield make
    for service in made:
        await service.aclose()


def make_app(settings: Settings, clock: FakeClock):
    """The site, whose summary service sleeps between retries on ``clock``."""

    def factory(settings: Settings, sessions) -> SummaryService:
        return SummaryService.from_settings(settings, sessions, clock=clock, sleep=clock.asleep)

    return create_app(settings, summary_factory=factory)


def serve_site(settings: Settings, clock: FakeClock) -> ServedApp:
    """The site on uvicorn in a thread; ``stop()`` closes its summary service first."""
    app = make_app(settings, clock)
    served = serve(app)

    def close_service() -> None:
        service = getattr(app.state, "summaries", None)
        if service is not None:
            served.run(service.aclose())

    served._on_stop.insert(0, close_service)
    return served

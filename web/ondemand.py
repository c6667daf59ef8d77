"""Papers fetched from arXiv when a reader asks for one the archive lacks.

``/arxiv/<id>`` of an unknown paper starts a look-up in arXiv's API through the crawler's
client (``crawler.fetch.api.crawl_papers``): one look-up at a time (a queue), on the client's
polite per-host gate, and one per id however many readers ask (they share it). Starting a
look-up counts against the reader's per-client limit; waiting for one does not. What came
of it is remembered for a while: arXiv's "no such paper" (a 404), or a failure (tried
again after ``RETRY_AFTER`` seconds).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State as AppState

from crawler.fetch.api import crawl_papers
from crawler.fetch.client import ArxivClient
from crawler.fetch.errors import CrawlError
from crawler.ingest import NO_HOOKS, IngestHooks
from models.settings import Settings
from retry import SYSTEM_CLOCK, Clock
from summaries.limits import RateLimiter
from web.background import stop_tasks

log = logging.getLogger("coolpapers.ondemand")

# Look-ups a client may start per window, and the window in seconds.
CLIENT_LIMIT = 10
CLIENT_WINDOW = 600.0
# Seconds an answer of arXiv (unknown id, or a failure) is kept before asking again.
REMEMBER_MISSING = 24 * 3600.0
RETRY_AFTER = 60.0
MAX_REMEMBERED = 10_000

State = Literal["fetching", "missing", "failed", "done"]


class TooManyFetches(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(f"too many papers fetched from arXiv; try again in {wait:.0f} s")
        self.wait = wait


@dataclass(slots=True)
class Outcome:
    state: State
    at: float
    message: str = ""


@dataclass
class OnDemandFetcher:
    """The look-ups of one site: in flight, queued, and their remembered outcomes."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Clock = SYSTEM_CLOCK
    client_options: dict[str, Any] = field(default_factory=dict)  # ArxivClient's (tests: a clock)
    hooks: IngestHooks = NO_HOOKS  # what the ingest of a fetched paper also does
    limiter: RateLimiter = field(init=False)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _outcomes: dict[str, Outcome] = field(default_factory=dict, init=False)
    _queue: asyncio.Semaphore | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(CLIENT_LIMIT, CLIENT_WINDOW, clock=self.clock)

    def state(self, paper_id: str) -> Outcome | None:
        """What is known of a look-up of ``paper_id``: None if there is none to tell of."""
        if paper_id in self._tasks:
            return Outcome("fetching", self.clock.monotonic())
        outcome = self._outcomes.get(paper_id)
        if outcome is None:
            return None
        keep = REMEMBER_MISSING if outcome.state == "missing" else RETRY_AFTER
        if outcome.state == "done" or self.clock.monotonic() - outcome.at > keep:
            del self._outcomes[paper_id]
            return None
        return outcome

    def request(self, paper_id: str, client: str) -> Outcome:
        """The look-up of ``paper_id``: joined when running or remembered, else started on
        behalf of ``client`` (``TooManyFetches`` past its limit)."""
        known = self.state(paper_id)
        if known is not None:
            return known
        wait = self.limiter.hit(client)
        if wait is not None:
            raise TooManyFetches(wait)
        task = asyncio.ensure_future(self._fetch(paper_id))
        self._tasks[paper_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(paper_id, None))
        return Outcome("fetching", self.clock.monotonic())

    async def wait(self, paper_id: str) -> None:
        """Until the look-up of ``paper_id`` (if any) has ended."""
        task = self._tasks.get(paper_id)
        if task is not None:
            await asyncio.shield(task)

    async def aclose(self, grace: float = 10.0) -> None:
        """Stop the look-ups in flight (the site is shutting down): each is cancelled, and
        waited for until it has given its database connection back, ``grace`` seconds at
        most, so that none outlives the engine they write with."""
        await stop_tasks(list(self._tasks.values()), grace, what="look-ups from arXiv")

    async def _fetch(self, paper_id: str) -> None:
        if self._queue is None:
            self._queue = asyncio.Semaphore(1)
        async with self._queue:
            outcome = await self._look_up(paper_id)
        if len(self._outcomes) >= MAX_REMEMBERED:
            self._outcomes.clear()
        self._outcomes[paper_id] = outcome

    async def _look_up(self, paper_id: str) -> Outcome:
        settings = self.settings
        try:
            async with ArxivClient.from_settings(settings, **self.client_options) as client:
                result = await crawl_papers(
                    self.sessions,
                    client,
                    [paper_id],
                    api_base=settings.ARXIV_API_BASE,
                    hooks=self.hooks,
                )
        except CrawlError as error:
            log.warning("fetching %s from arXiv failed: %s", paper_id, error)
            return Outcome("failed", self.clock.monotonic(), "arXiv could not be reached")
        except Exception:  # a look-up never takes the site down with it
            log.exception("fetching %s from arXiv failed", paper_id)
            return Outcome("failed", self.clock.monotonic(), "the look-up failed")
        if result.missing or not result.papers:
            return Outcome("missing", self.clock.monotonic())
        log.info("fetched %s from arXiv on demand", paper_id)
        return Outcome("done", self.clock.monotonic())


def fetcher(state: AppState) -> OnDemandFetcher:
    """The site's fetcher (``app.state``), built by ``create_app``."""
    found: OnDemandFetcher = state.on_demand
    return found

"""The summary service: the cache, the generations in progress, the queue and the limits.

``lookup`` tells what there is to show for a paper and a language; ``start`` gives the
``SummaryJob`` to follow: a finished one for a cached summary, the one in progress if any (a
reader who arrives late joins it), else a new one, subject to the client's rate limit and
the day's budget. The site and the CLI each hold one service.

With ``instance`` set (several instances over one PostgreSQL), a generation is claimed in
the database first (``summaries.claims``): an instance that finds another's live claim
follows that generation through the events stored with its heartbeats, and takes the claim
over when its heartbeat goes stale; the model's concurrency limit counts every instance's
generations, and the rate limit is kept in the database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import inspect
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fulltext import service as fulltext_service
from fulltext import store as fulltext_store
from fulltext.document import FullText, FullTextStatus
from models.settings import Settings
from models.summary import SummaryStatus
from retry import SYSTEM_CLOCK, Clock
from summaries import claims, events
from summaries.client import ChatClient, Endpoint
from summaries.errors import BudgetExhausted, PaperNotFound, RateLimited, SummaryError
from summaries.faq import PaperText
from summaries.jobs import JobQueue, JobState, Priority, SummaryJob
from summaries.limits import DailyBudget, RateLimiter, SharedRateLimiter
from summaries.store import (
    PaperRow,
    StoredSummary,
    SummaryKey,
    announced_on,
    best_summary,
    load_paper,
    save,
    summaries_of,
    summary_at,
)
from summaries.summarizers import ExtractiveSummarizer, ModelSummarizer, Sleep, Summarizer

log = logging.getLogger(__name__)

# The full text of a paper version when there is one, else None.
FullTextSource = Callable[[AsyncSession, str, int], Awaitable[FullText | None]]

STOPPED = "The server stopped before the summary was finished; please try again."
INTERNAL = "The summary could not be made because of an internal error."
STALE_AFTER = 30.0  # seconds without a heartbeat before another instance takes a claim over
BEAT_EVERY = 1.0  # seconds between heartbeats, and between polls of another's generation
FINAL_EVENTS = ("done", "error")


def instance_name() -> str:
    """This process, as the owner of its claims: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def no_full_text(session: AsyncSession, paper_id: str, version: int) -> FullText | None:
    return None


async def stored_full_text(session: AsyncSession, paper_id: str, version: int) -> FullText | None:
    """The full text stored for this version when fetching it succeeded."""
    row = await fulltext_store.load(session, paper_id, version)
    if row is None or row.status != FullTextStatus.OK:
        return None
    return row.document


@dataclass(frozen=True, slots=True)
class Generation:
    """Where the summary of the current key stands: none, queued, generating or failed."""

    state: str
    position: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    key: SummaryKey  # what a generation would make now
    summary: StoredSummary | None  # the best complete summary to show, if any
    generation: Generation


class SummaryService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        summarizer: Summarizer,
        *,
        languages: tuple[str, ...] = ("en", "zh"),
        concurrency: int = 2,
        budget: DailyBudget | None = None,
        limiter: RateLimiter | SharedRateLimiter | None = None,
        clock: Clock = SYSTEM_CLOCK,
        full_text: FullTextSource = stored_full_text,
        instance: str | None = None,
        stale_after: float = STALE_AFTER,
        beat_every: float = BEAT_EVERY,
    ) -> None:
        self.sessions = sessions
        self.summarizer = summarizer
        self.languages = languages
        self.budget = budget
        self.limiter = limiter
        self.clock = clock
        self.full_text = full_text
        self.concurrency = concurrency
        self.instance = instance
        self.stale_after = stale_after
        self.beat_every = beat_every
        self._jobs: dict[SummaryKey, SummaryJob] = {}  # what readers here follow
        self._owned: dict[SummaryKey, SummaryJob] = {}  # generations claimed by this instance
        self._tasks: set[asyncio.Task[None]] = set()
        self._beater: asyncio.Task[None] | None = None
        self._queue = JobQueue(self._run, concurrency)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = SYSTEM_CLOCK,
        sleep: Sleep | None = None,
        http: httpx.AsyncClient | None = None,
        full_text: FullTextSource | None = None,
        instance: str | None = None,
        beat_every: float = BEAT_EVERY,
    ) -> SummaryService:
        """The model of the settings, or the extractive summarizer with no endpoint set; the
        paper's full text as the FULLTEXT setting says (fetched first when none is stored yet,
        unless it is ``off``), unless ``full_text`` says otherwise.

        On PostgreSQL the service claims its generations in the database as ``instance``
        (default: this host and process), and counts rate limits there."""
        if full_text is None:
            full_text = fulltext_service.on_demand(sessions, settings)
        summarizer: Summarizer
        if settings.llm_configured:
            if not settings.LLM_MODEL:
                raise ValueError("COOLPAPERS_LLM_MODEL must name the model of LLM_BASE_URL")
            endpoint = Endpoint(
                settings.LLM_BASE_URL,
                settings.LLM_MODEL,
                settings.LLM_API_KEY.get_secret_value(),
                timeout=settings.LLM_TIMEOUT,
                deadline=settings.LLM_ANSWER_TIMEOUT,
                max_tokens=settings.LLM_MAX_TOKENS,
            )
            summarizer = ModelSummarizer(
                ChatClient(endpoint, http, clock),
                sleep=sleep,
                clock=clock,
                context_chars=settings.LLM_CONTEXT_CHARS,
            )
        else:
            summarizer = ExtractiveSummarizer()
        shared = settings.DATABASE_URL.startswith("postgresql")
        limiter: RateLimiter | SharedRateLimiter
        if shared:
            limiter = SharedRateLimiter(
                sessions,
                "summary",
                settings.SUMMARY_RATE_LIMIT,
                settings.SUMMARY_RATE_WINDOW,
                clock,
            )
        else:
            limiter = RateLimiter(settings.SUMMARY_RATE_LIMIT, settings.SUMMARY_RATE_WINDOW, clock)
        return cls(
            sessions,
            summarizer,
            languages=tuple(settings.SUMMARY_LANGUAGES),
            concurrency=settings.LLM_MAX_CONCURRENCY,
            budget=DailyBudget(sessions, settings.LLM_DAILY_BUDGET, clock, sleep),
            limiter=limiter,
            clock=clock,
            full_text=full_text,
            instance=(instance or instance_name()) if shared else None,
            beat_every=beat_every,
        )

    @property
    def model(self) -> str:
        return self.summarizer.model

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock.time(), dt.UTC)

    def running(self, key: SummaryKey) -> SummaryJob | None:
        return self._jobs.get(key)

    def check_language(self, language: str) -> None:
        if language not in self.languages:
            raise ValueError(f"language must be one of {', '.join(self.languages)}")

    async def _current(
        self, session: AsyncSession, paper_id: str, language: str
    ) -> tuple[PaperRow, SummaryKey]:
        """The visible paper and the key a generation would make for it now."""
        self.check_language(language)
        paper = await load_paper(session, paper_id)
        if paper is None or paper.hidden:
            raise PaperNotFound(f"no paper {paper_id} in this archive")
        return paper, SummaryKey(paper_id, paper.text.version, language, self.model)

    async def lookup(self, paper_id: str, language: str) -> Lookup:
        """The summary to show for a paper, and how its current generation stands.

        The offline summarizer is instant: a missing summary is made on the spot.
        """
        async with self.sessions() as session:
            paper, key = await self._current(session, paper_id, language)
            stored = await summaries_of(session, paper_id, language)
        current = next((s for s in stored if s.key == key), None)
        if self.summarizer.instant and (
            current is None or current.status != SummaryStatus.COMPLETE
        ):
            job = self._jobs.get(key)
            if job is None:
                job = self._jobs[key] = SummaryJob(key, paper.text, Priority.ON_DEMAND)
                await self._run(job)
            else:
                await job.wait()
            if job.result is not None:
                current = job.result
                stored = [s for s in stored if s.key != key] + [current]
        return Lookup(key, best_summary(stored, key), self._generation(key, current))

    def _generation(self, key: SummaryKey, stored: StoredSummary | None) -> Generation:
        job = self._jobs.get(key)
        if job is not None and job.state in (JobState.QUEUED, JobState.GENERATING):
            return Generation(job.state.value, self._queue.position(job))
        if stored is not None and stored.status == SummaryStatus.FAILED:
            return Generation("failed", error=stored.error)
        if stored is not None:
            return Generation(stored.status.value)
        return Generation("none")

    async def join(self, paper_id: str, language: str) -> SummaryJob | None:
        """The job to follow without starting a paid generation: the one in progress, or a
        finished one for a complete cached summary; None when there is neither. (The
        offline summarizer costs nothing: its summary is made on the spot.)"""
        if self.summarizer.instant:
            return await self.start(paper_id, language)
        async with self.sessions() as session:
            paper, key = await self._current(session, paper_id, language)
            if (job := self._jobs.get(key)) is not None:
                return job
            stored = await summary_at(session, key)
        if stored is not None and stored.status == SummaryStatus.COMPLETE:
            return SummaryJob.cached(stored, paper.text)
        if self.instance is not None:
            held = await claims.read(self.sessions, key)
            if held is not None and held.owner != self.instance:
                return self._follow(key, paper.text, Priority.ON_DEMAND)
        return None

    async def start(
        self,
        paper_id: str,
        language: str,
        *,
        client: str | None = None,
        background: bool = False,
        force: bool = False,
    ) -> SummaryJob:
        """The job to follow for a paper's summary in ``language``.

        A complete cached summary gives a finished job and costs nothing, as does joining
        the generation in progress. Starting a new one counts against ``client``'s rate
        limit (None: not limited) and needs the day's budget. ``force`` generates again
        even when a summary is cached. ``background`` requests (the CLI) wait behind
        readers' requests; papers announced today go first either way.
        """
        async with self.sessions() as session:
            paper, key = await self._current(session, paper_id, language)
            if not force and key not in self._jobs:
                stored = await summary_at(session, key)
                if stored is not None and stored.status == SummaryStatus.COMPLETE:
                    return SummaryJob.cached(stored, paper.text)
            today = await announced_on(session, paper_id, self.now().date())
        if today:
            priority = Priority.TODAY
        else:
            priority = Priority.BACKFILL if background else Priority.ON_DEMAND
        if (job := self._jobs.get(key)) is not None:
            self._queue.promote(job, priority)
            return job
        if self.instance is not None:
            held = await claims.read(self.sessions, key)
            if held is not None and held.owner != self.instance and self._live(held):
                return self._follow(key, paper.text, priority)
        await self._check_limits(client)
        if (job := self._jobs.get(key)) is not None:  # started while the budget was read
            self._queue.promote(job, priority)
            return job
        if self.instance is not None:
            held = await claims.take(
                self.sessions, key, self.instance, self.now(), self.stale_after
            )
            if held is not None:  # another instance claimed it first
                return self._follow(key, paper.text, priority)
        job = SummaryJob(key, paper.text, priority)
        self._jobs[key] = job
        self._generate(job)
        return job

    def _generate(self, job: SummaryJob) -> None:
        if self.instance is not None:
            self._owned[job.key] = job
            if self._beater is None or self._beater.done():
                self._beater = asyncio.create_task(self._beat())
        self._queue.submit(job)

    def _live(self, held: claims.Claim) -> bool:
        return (self.now() - held.heartbeat_at).total_seconds() <= self.stale_after

    def _follow(self, key: SummaryKey, paper: PaperText, priority: Priority) -> SummaryJob:
        """A job that mirrors another instance's generation of ``key``."""
        if (job := self._jobs.get(key)) is not None:
            return job
        follower = self._jobs[key] = SummaryJob(key, paper, priority)
        task = asyncio.create_task(self._poll(follower))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return follower

    async def _poll(self, follower: SummaryJob) -> None:
        key = follower.key
        try:
            while not follower.finished:
                held = await claims.read(self.sessions, key)
                if held is None:  # the owner saved the summary, or its failure
                    async with self.sessions() as session:
                        stored = await summary_at(session, key)
                    if stored is not None and stored.status == SummaryStatus.COMPLETE:
                        # Answers finished after the owner's last heartbeat come from the row.
                        answered = {
                            e.data.get("index") for e in follower.history if e.type == "answer"
                        }
                        for index, qa in enumerate(stored.faq):
                            if index not in answered:
                                follower.publish(events.answer(index, qa.question, qa.answer))
                        follower.succeed(stored)
                    else:
                        follower.fail(stored.error if stored and stored.error else STOPPED)
                    return
                if held.generating and follower.state == JobState.QUEUED:
                    follower.start()
                for event in held.events[len(follower.history) :]:
                    follower.publish(event)
                if not self._live(held) and self.instance is not None:
                    taken = await claims.take(
                        self.sessions, key, self.instance, self.now(), self.stale_after
                    )
                    if taken is None:
                        log.warning("taking over the summary of %s from %s", key, held.owner)
                        await self._take_over(follower)
                        return
                await asyncio.sleep(self.beat_every)
        except asyncio.CancelledError:
            follower.fail(STOPPED)
            raise
        except Exception:
            log.exception("following the summary of %s failed", key)
            follower.fail(INTERNAL)
        finally:
            if self._jobs.get(key) is follower:
                del self._jobs[key]

    async def _take_over(self, follower: SummaryJob) -> None:
        """Generate ``follower``'s summary here, its readers following on."""
        job = SummaryJob(follower.key, follower.paper, follower.priority)
        self._generate(job)
        async for event in job.follow():
            if event is None or event.type == "status":
                if job.state == JobState.GENERATING and follower.state == JobState.QUEUED:
                    follower.start()
                continue
            if event.type in FINAL_EVENTS:
                break
            follower.publish(event)
        if job.result is not None:
            follower.succeed(job.result)
        else:
            follower.fail(job.error or STOPPED)

    async def _beat(self) -> None:
        """Renew this instance's claims, storing the answers so far, while it holds any."""
        assert self.instance is not None
        while self._owned:
            await asyncio.sleep(self.beat_every)
            for key, job in list(self._owned.items()):
                history = [e for e in job.history if e.type not in FINAL_EVENTS]
                try:
                    await claims.beat(self.sessions, key, self.instance, history, self.now())
                except Exception:
                    log.warning("cannot renew the claim of %s", key, exc_info=True)

    async def _check_limits(self, client: str | None) -> None:
        cost = self.summarizer.calls_per_summary
        if not cost:
            return
        if self.budget is not None and await self.budget.remaining() < cost:
            raise self._spent()
        if client is not None and self.limiter is not None:
            hit = self.limiter.hit(client)
            wait = await hit if inspect.isawaitable(hit) else hit
            if wait is not None:
                raise RateLimited(
                    "Too many summaries requested from your address; please try again in"
                    f" {_duration(wait)}.",
                    wait,
                )

    def _spent(self) -> BudgetExhausted:
        wait = self.budget.seconds_until_reset() if self.budget is not None else 0.0
        return BudgetExhausted(
            "Today's budget of language model calls is spent; new summaries can be made"
            f" again in {_duration(wait)} (at 00:00 UTC).",
            wait,
        )

    async def _charge(self) -> None:
        if self.budget is not None and not await self.budget.take(1):
            raise self._spent()

    async def _run(self, job: SummaryJob) -> None:
        key = job.key
        if self._owned.get(key) is job:  # claimed: wait for a slot among every instance's
            while not await claims.start_generating(
                self.sessions, key, self.instance, self.concurrency, self.now(), self.stale_after
            ):
                await asyncio.sleep(self.beat_every)
        job.start()
        try:
            cost = self.summarizer.calls_per_summary
            if cost and self.budget is not None and not await self.budget.take(cost):
                raise self._spent()
            async with self.sessions() as session:
                full_text = await self.full_text(session, key.paper_id, key.version)
            paper = dataclasses.replace(job.paper, full_text=full_text)
            result = await self.summarizer.summarize(paper, key.language, job.publish, self._charge)
            stored = await save(
                self.sessions,
                key,
                kind=self.summarizer.kind,
                status=SummaryStatus.COMPLETE,
                faq=result.faq,
                used_full_text=result.used_full_text,
                now=self.now(),
            )
            assert stored is not None
            await self._release(job)
            job.succeed(stored)
        except SummaryError as exc:
            await self._record_failure(job, str(exc))
        except asyncio.CancelledError:
            job.fail(STOPPED)
            raise
        except Exception:
            log.exception("summary of %s failed", key)
            await self._record_failure(job, INTERNAL)
        finally:
            if self._jobs.get(key) is job:
                del self._jobs[key]
            if self._owned.get(key) is job:  # stopped: the claim goes stale, to be taken over
                del self._owned[key]

    async def _release(self, job: SummaryJob) -> None:
        """Give up this instance's claim on ``job`` once its outcome is stored."""
        if self._owned.get(job.key) is not job:
            return
        del self._owned[job.key]
        try:
            await claims.release(self.sessions, job.key, self.instance or "")
        except Exception:
            log.warning("cannot release the claim of %s", job.key, exc_info=True)

    async def _record_failure(self, job: SummaryJob, message: str) -> None:
        log.warning("summary of %s failed: %s", job.key, message)
        try:
            await save(
                self.sessions,
                job.key,
                kind=self.summarizer.kind,
                status=SummaryStatus.FAILED,
                error=message,
                now=self.now(),
            )
        except Exception:
            log.exception("cannot record the failure of %s", job.key)
        await self._release(job)
        job.fail(message)

    async def aclose(self) -> None:
        await self._queue.aclose(STOPPED)
        for task in [*self._tasks, *([self._beater] if self._beater else [])]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._owned.clear()
        for job in list(self._jobs.values()):
            job.fail(STOPPED)
        self._jobs.clear()
        client = getattr(self.summarizer, "client", None)
        if client is not None:
            await client.aclose()


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"

"""Generations in progress: a ``SummaryJob`` that any number of readers follow, and the
``JobQueue`` that runs jobs by priority with a limit on how many run at once.

A job keeps every event it published, so that a reader who arrives late is replayed the
answer so far and then follows the same generation live: one model conversation, however
many readers.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from summaries import events
from summaries.events import Event
from summaries.faq import PaperText
from summaries.store import StoredSummary, SummaryKey

log = logging.getLogger(__name__)


class Priority(enum.IntEnum):
    """Lower runs first: papers announced today, then readers' requests, then backfill."""

    TODAY = 0
    ON_DEMAND = 1
    BACKFILL = 2


class JobState(enum.StrEnum):
    QUEUED = "queued"
    GENERATING = "generating"
    COMPLETE = "complete"
    FAILED = "failed"


class SummaryJob:
    """One summary being made (or, from ``SummaryJob.cached``, one already made)."""

    def __init__(self, key: SummaryKey, paper: PaperText, priority: Priority) -> None:
        self.key = key
        self.paper = paper
        self.priority = priority
        self.seq = 0
        self.state = JobState.QUEUED
        self.history: list[Event] = []
        self.result: StoredSummary | None = None
        self.error: str | None = None
        self.position: Callable[[SummaryJob], int | None] = lambda job: None
        self._changed = asyncio.Event()
        self._finished = asyncio.Event()

    @classmethod
    def cached(cls, summary: StoredSummary, paper: PaperText) -> SummaryJob:
        """A job that is already over: following it gives the stored summary at once."""
        job = cls(summary.key, paper, Priority.ON_DEMAND)
        job.succeed(summary)
        return job

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def publish(self, event: Event) -> None:
        self.history.append(event)
        self.notify()

    def start(self) -> None:
        self.state = JobState.GENERATING
        self.notify()

    def succeed(self, summary: StoredSummary) -> None:
        self.result = summary
        self.state = JobState.COMPLETE
        self._finish(Event("done", summary.as_dict()))

    def fail(self, message: str) -> None:
        if self.finished:
            return
        self.error = message
        self.state = JobState.FAILED
        self._finish(events.error(message))

    def _finish(self, event: Event) -> None:
        self._finished.set()
        self.publish(event)

    async def wait(self) -> None:
        await self._finished.wait()

    def status(self) -> Event | None:
        if self.state == JobState.QUEUED:
            return events.status_queued(self.position(self) or 1)
        if self.state == JobState.GENERATING:
            return events.status_generating()
        return None

    async def follow(self, heartbeat: float | None = None) -> AsyncIterator[Event | None]:
        """Every event so far, then the new ones until the job ends; the current status
        first and whenever it changes. With ``heartbeat``, None after that many quiet
        seconds (to keep a connection open)."""
        sent = 0
        last_status: Event | None = None
        while True:
            changed = self._changed  # a change during the yields below sets this one
            status = self.status()
            if status is not None and status != last_status:
                last_status = status
                yield status
            while sent < len(self.history):
                sent += 1
                yield self.history[sent - 1]
            if self.finished and sent == len(self.history):
                return
            try:
                await asyncio.wait_for(changed.wait(), heartbeat)
            except TimeoutError:
                yield None


class JobQueue:
    """Runs jobs with ``run``, lowest priority value first, at most ``concurrency`` at once."""

    def __init__(self, run: Callable[[SummaryJob], Awaitable[None]], concurrency: int) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._run = run
        self.concurrency = concurrency
        self._seq = itertools.count(1)
        self._queue: asyncio.PriorityQueue[tuple[int, int, SummaryJob]] | None = None
        self._waiting: set[SummaryJob] = set()
        self._workers: list[asyncio.Task[None]] = []
        self._running = 0  # workers busy with a job; the others are about to take one
        self._closed = False

    def submit(self, job: SummaryJob) -> None:
        if self._closed:
            raise RuntimeError("the queue is closed")
        if self._queue is None:
            self._queue = asyncio.PriorityQueue()
        job.seq = next(self._seq)
        job.position = self.position
        self._waiting.add(job)
        self._queue.put_nowait((int(job.priority), job.seq, job))
        # Workers stop when the queue is empty, so that an idle service holds no task.
        self._workers = [task for task in self._workers if not task.done()]
        while len(self._workers) < self.concurrency and (
            len(self._workers) - self._running < len(self._waiting)
        ):
            self._workers.append(asyncio.create_task(self._work()))
        self._moved()

    def promote(self, job: SummaryJob, priority: Priority) -> None:
        """Move a waiting job up to ``priority`` (never down)."""
        if job not in self._waiting or priority >= job.priority or self._queue is None:
            return
        job.priority = priority
        self._queue.put_nowait((int(priority), job.seq, job))  # the old entry is skipped
        self._moved()

    def position(self, job: SummaryJob) -> int | None:
        """1 for the next job to run, 2 for the one after, ...; None if not waiting."""
        if job not in self._waiting:
            return None
        mine = (job.priority, job.seq)
        return 1 + sum(1 for other in self._waiting if (other.priority, other.seq) < mine)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def _moved(self) -> None:
        for job in self._waiting:
            job.notify()

    async def _work(self) -> None:
        assert self._queue is not None
        while not self._queue.empty():
            priority, _, job = self._queue.get_nowait()
            if job not in self._waiting or priority != job.priority:
                continue
            self._waiting.discard(job)
            self._moved()
            self._running += 1
            try:
                await self._run(job)
            except asyncio.CancelledError:
                raise
            except Exception:  # run reports its own failures; this keeps the worker alive
                log.exception("summary job %s failed unexpectedly", job.key)
                job.fail("The summary could not be made because of an internal error.")
            finally:
                self._running -= 1

    async def aclose(self, message: str) -> None:
        """Stop the workers; jobs still waiting or running fail with ``message``."""
        self._closed = True
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        for job in list(self._waiting):
            job.fail(message)
        self._waiting.clear()

"""Protection of the model endpoint: a per-client rate limit on starting summaries (kept in
the process, or in the database when several instances share it), and a daily budget of
model calls kept in the database (so that the site, its instances and the CLI share it).

Both read the time from a ``retry.Clock``: ``monotonic()`` for the rate limit's window,
``time()`` for the UTC day of the budget. Taking from the budget is retried as a whole
under ``sqlite_policy`` while SQLite says the database is locked (the crawler may be
writing).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.instances import RateWindow
from models.summary import ModelCallDay
from retry import SYSTEM_CLOCK, AsyncRetry, Clock, sqlite_policy

MAX_TRACKED_CLIENTS = 100_000


class RateLimiter:
    """At most ``limit`` hits per client in any ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float, clock: Clock = SYSTEM_CLOCK) -> None:
        if limit < 0 or window <= 0:
            raise ValueError("limit must be >= 0 and window > 0")
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        hits = self._hits.get(client)
        if hits is None:
            if len(self._hits) >= MAX_TRACKED_CLIENTS:
                self._forget_idle(now)
            hits = self._hits[client] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[client]

    def wait(self, client: str) -> float | None:
        """None if ``client`` may hit now, else the seconds until it may (counts nothing)."""
        now = self.clock.monotonic()
        hits = self._recent(client, now)
        if len(hits) >= self.limit:
            return self.window if not hits else max(0.0, hits[0] + self.window - now)
        return None

    def hit(self, client: str) -> float | None:
        """Count one hit for ``client``: None if allowed, else the seconds until it would be."""
        wait = self.wait(client)
        if wait is None:
            self._hits[client].append(self.clock.monotonic())
        return wait


class DailyBudget:
    """At most ``limit`` model calls per UTC day, counted in the ``model_call_days`` table."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        limit: int,
        clock: Clock = SYSTEM_CLOCK,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        if limit < 0:
            raise ValueError("limit must be >= 0")
        self.sessions = sessions
        self.limit = limit
        self.clock = clock
        self.sleep = sleep

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock.time(), dt.UTC).date()

    def seconds_until_reset(self) -> float:
        now = dt.datetime.fromtimestamp(self.clock.time(), dt.UTC)
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
        return (midnight - now).total_seconds()

    async def used(self) -> int:
        async with self.sessions() as session:
            calls = await session.scalar(
                select(ModelCallDay.calls).where(ModelCallDay.day == self.today())
            )
        return calls or 0

    async def remaining(self) -> int:
        return max(0, self.limit - await self.used())

    async def take(self, calls: int = 1) -> bool:
        """Take ``calls`` from today's budget at once if that many remain; False otherwise.

        Retried while the database is locked: a try that failed committed nothing."""
        if calls <= 0:
            return True
        async for attempt in AsyncRetry(sqlite_policy, clock=self.clock, sleep=self.sleep):
            with attempt:
                taken = await self._take(calls)
        return taken

    async def _take(self, calls: int) -> bool:
        day = self.today()
        async with self.sessions.begin() as session:
            outcome = await self._add(session, day, calls)
        if outcome != "no row":
            return outcome == "taken"
        if calls > self.limit:
            return False
        try:
            async with self.sessions.begin() as session:
                session.add(ModelCallDay(day=day, calls=calls))
            return True
        except IntegrityError:  # another process opened the day first
            async with self.sessions.begin() as session:
                return await self._add(session, day, calls) == "taken"

    async def _add(self, session: AsyncSession, day: dt.date, calls: int) -> str:
        # One conditional UPDATE, so that concurrent takers never overspend the day.
        while True:
            result = await session.execute(
                update(ModelCallDay)
                .where(ModelCallDay.day == day, ModelCallDay.calls + calls <= self.limit)
                .values(calls=ModelCallDay.calls + calls)
            )
            if result.rowcount == 1:
                return "taken"
            used = await session.scalar(select(ModelCallDay.calls).where(ModelCallDay.day == day))
            if used is None:
                return "no row"
            if used + calls > self.limit:
                return "spent"
            # The day's row was committed by another taker between the two statements (on
            # PostgreSQL each statement sees what was committed before it): update it now.


class SharedRateLimiter:
    """At most ``limit`` hits per client in each ``window`` seconds, counted in the database
    (``rate_windows``), so that the limit holds across every instance of the site.

    Windows are fixed (they start at multiples of ``window`` seconds of ``clock.time()``),
    which lets a client make up to twice ``limit`` hits around a window's edge."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        scope: str,
        limit: int,
        window: float,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if limit < 0 or window <= 0:
            raise ValueError("limit must be >= 0 and window > 0")
        self.sessions = sessions
        self.scope = scope
        self.limit = limit
        self.window = window
        self.clock = clock

    def _window(self) -> tuple[int, float]:
        now = self.clock.time()
        start = int(now // self.window * self.window)
        return start, start + self.window - now

    async def hit(self, client: str) -> float | None:
        """Count one hit for ``client``: None if allowed, else the seconds until it would be."""
        start, left = self._window()
        if self.limit == 0:
            return left
        async for attempt in AsyncRetry(sqlite_policy, clock=self.clock):
            with attempt:
                taken = await self._take(client[:255], start)
        return None if taken else max(left, 0.001)

    async def _take(self, client: str, start: int) -> bool:
        where = (
            RateWindow.scope == self.scope,
            RateWindow.client == client,
            RateWindow.window == start,
        )
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(RateWindow)
                .where(*where, RateWindow.hits < self.limit)
                .values(hits=RateWindow.hits + 1)
            )
            if result.rowcount == 1:
                return True
            if await session.scalar(select(RateWindow.hits).where(*where)) is not None:
                return False
            # The client's first hit of this window; older windows of the scope go.
            await session.execute(
                delete(RateWindow).where(
                    RateWindow.scope == self.scope, RateWindow.window < start - self.window
                )
            )
        try:
            async with self.sessions.begin() as session:
                session.add(RateWindow(scope=self.scope, client=client, window=start, hits=1))
            return True
        except IntegrityError:  # another instance counted the client's first hit
            async with self.sessions.begin() as session:
                result = await session.execute(
                    update(RateWindow)
                    .where(*where, RateWindow.hits < self.limit)
                    .values(hits=RateWindow.hits + 1)
                )
                return result.rowcount == 1

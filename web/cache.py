"""A cache of rendered pages, keyed by what the page depends on, dropped when the data moves.

Lists change a few times a day but are read all day long, so a rendered list is kept until
the database changes: at most once per ``check_interval`` a cheap query reads the data
version (the latest paper modification and the latest announcement); any change empties the
cache. ``max_age`` bounds how long a page lives anyway (admin edits such as hiding a paper
do not move the version), and ``max_bytes`` bounds the memory, oldest pages leaving first.
Pages are kept both plain and gzipped: a 300-paper list is about 1 MB of HTML.
"""

from __future__ import annotations

import gzip
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response

from models.schema import Announcement, Paper

Clock = Callable[[], float]
CACHED_HEADERS = ("content-type",)


async def data_version(session: AsyncSession) -> tuple[object, ...]:
    row = (
        await session.execute(
            select(
                select(func.max(Paper.modified_at)).scalar_subquery(),
                select(func.max(Announcement.id)).scalar_subquery(),
            )
        )
    ).one()
    return tuple(row)


@dataclass(slots=True)
class _Entry:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bytes
    stored_at: float

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped)


def accepts_gzip(headers: Headers) -> bool:
    return "gzip" in headers.get("accept-encoding", "").lower()


@dataclass
class PageCache:
    max_bytes: int = 64 * 1024 * 1024
    max_age: float = 300.0
    check_interval: float = 1.0
    clock: Clock = time.monotonic
    _entries: OrderedDict[Hashable, _Entry] = field(default_factory=OrderedDict)
    _size: int = 0
    _version: tuple[object, ...] | None = None
    _checked_at: float = float("-inf")
    hits: int = 0
    misses: int = 0

    def clear(self) -> None:
        self._entries.clear()
        self._size = 0

    async def _check_version(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        now = self.clock()
        if now - self._checked_at < self.check_interval:
            return
        self._checked_at = now
        async with sessions() as session:
            version = await data_version(session)
        if version != self._version:
            self._version = version
            self.clear()

    def _store(self, key: Hashable, response: Response) -> None:
        body = bytes(response.body)
        if response.status_code != 200 or len(body) > self.max_bytes // 4:
            return
        headers = [(k, v) for k, v in response.headers.items() if k in CACHED_HEADERS]
        if key in self._entries:
            self._size -= self._entries.pop(key).size
        gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        entry = _Entry(response.status_code, headers, body, gzipped, self.clock())
        self._entries[key] = entry
        self._size += entry.size
        while self._size > self.max_bytes and self._entries:
            _, old = self._entries.popitem(last=False)
            self._size -= old.size

    async def page(
        self,
        key: Hashable,
        sessions: async_sessionmaker[AsyncSession],
        render: Callable[[], Awaitable[Response]],
        request_headers: Headers | None = None,
    ) -> Response:
        """The cached page under ``key``, or ``render()``'s, kept when it is a 200.

        A kept page is also kept gzipped, and sent so to clients that accept it."""
        await self._check_version(sessions)
        entry = self._entries.get(key)
        if entry is not None and self.clock() - entry.stored_at <= self.max_age:
            self._entries.move_to_end(key)
            self.hits += 1
            gzipped = request_headers is not None and accepts_gzip(request_headers)
            response = Response(entry.gzipped if gzipped else entry.body, entry.status)
            headers = MutableHeaders(raw=response.raw_headers)
            for name, value in entry.headers:
                headers.append(name, value)
            headers.append("vary", "accept-encoding")
            if gzipped:
                headers.append("content-encoding", "gzip")
            return response
        self.misses += 1
        response = await render()
        self._store(key, response)
        return response

"""A cache of rendered pages, keyed by what the page depends on, dropped when the data moves.

Lists change a few times a day but are read all day long, so a rendered list is kept until
the database changes: at most once per ``check_interval`` a cheap query reads the data
version (the stored one that ingests and admin edits such as hiding a paper move forward,
with the latest paper modification and announcement); any change empties the cache, on
every instance over the same database. ``max_age`` bounds how long a page lives anyway, and
``max_bytes`` bounds the memory, oldest pages leaving first.
Pages are kept both plain and gzipped: a 300-paper list is about 1 MB of HTML. A hit does
as little as it can: each stored variant has its response headers built once, with an ETag,
so that a client holding the page gets a 304 without the body. The page's first reader does
not wait for the gzip that later readers get (14 ms for such a list, longer than rendering
it once its papers are known): it is sent compressed fast (4 ms, 40 % larger), and the page
is compressed again, smaller, in a worker thread (zlib works outside the interpreter's lock)
for those who come after.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from models.data_version import ROW_ID as DATA_VERSION_ROW
from models.data_version import DataVersion
from models.db import reading
from models.plain import read_rows
from models.schema import Announcement, Paper

Clock = Callable[[], float]
CACHED_HEADERS = (b"content-type",)
FIRST_GZIP_LEVEL = 1  # the page's first reader's
KEPT_GZIP_LEVEL = 6  # what the readers after get, once made
AT_ONCE_BYTES = 64 * 1024  # a smaller page is gzipped as it is kept, in the event loop


_DATA_VERSION = (
    f"SELECT (SELECT version FROM {DataVersion.__tablename__} WHERE id = ?), "
    f"(SELECT max(modified_at) FROM {Paper.__tablename__}), "
    f"(SELECT max(id) FROM {Announcement.__tablename__})"
)


async def data_version(session: AsyncSession) -> tuple[object, ...]:
    """The stored data version (moved by ingests and admin edits, ``models.data_version``),
    with the latest paper modification and announcement for writers that do not move it.

    A plain read (``models.plain``): on SQLite, on the event loop's thread without a hop to
    the driver's thread. A request that checks the version under load would otherwise wait
    for a turn of the event loop at each hop, behind every other request's render."""
    rows = await read_rows(session, _DATA_VERSION, (DATA_VERSION_ROW,))
    return tuple(rows[0])


RawHeaders = list[tuple[bytes, bytes]]


class PreparedResponse(Response):
    """A response whose body and raw headers were built beforehand."""

    def __init__(self, body: bytes, status_code: int, raw_headers: RawHeaders) -> None:
        self.status_code = status_code
        self.background = None
        self.body = body
        self.raw_headers = list(raw_headers)  # middleware may add to the list in place


@dataclass(frozen=True, slots=True)
class _Variant:
    body: bytes
    etag: bytes
    headers: RawHeaders
    not_modified: RawHeaders

    @classmethod
    def of(cls, body: bytes, kept: RawHeaders, etag: bytes, gzipped: bool) -> _Variant:
        validators = [(b"etag", etag), (b"vary", b"accept-encoding")]
        headers = [*kept, (b"content-length", str(len(body)).encode()), *validators]
        if gzipped:
            headers.append((b"content-encoding", b"gzip"))
        return cls(body, etag, headers, validators)

    def response(self, status: int, if_none_match: str | None) -> Response:
        if if_none_match is not None and matches_etag(if_none_match, self.etag):
            return PreparedResponse(b"", 304, self.not_modified)
        return PreparedResponse(self.body, status, self.headers)


def accepts_gzip(headers: Headers) -> bool:
    return "gzip" in headers.get("accept-encoding", "").lower()


def matches_etag(if_none_match: str, etag: bytes) -> bool:
    """Weak comparison, as RFC 9110 asks for If-None-Match."""
    tag = etag.decode("latin-1")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip().removeprefix("W/")
        if candidate in ("*", tag):
            return True
    return False


@dataclass(slots=True)
class _Entry:
    status: int
    plain: _Variant
    gzipped: _Variant
    stored_at: float

    @property
    def size(self) -> int:
        return len(self.plain.body) + len(self.gzipped.body)


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
    _rendering: dict[Hashable, asyncio.Future[_Entry | None]] = field(default_factory=dict)
    _compressing: set[asyncio.Task[None]] = field(default_factory=set)
    hits: int = 0
    misses: int = 0
    shared: int = 0  # misses served by another request's rendering

    def clear(self) -> None:
        self._entries.clear()
        self._size = 0

    async def _check_version(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        now = self.clock()
        if now - self._checked_at < self.check_interval:
            return
        self._checked_at = now
        async with reading(sessions) as session:
            version = await data_version(session)
        if version != self._version:
            self._version = version
            self.clear()

    async def _store(self, key: Hashable, response: Response) -> _Entry | None:
        body = bytes(response.body)
        if response.status_code != 200 or len(body) > self.max_bytes // 4:
            return None
        kept = [(k, v) for k, v in response.raw_headers if k in CACHED_HEADERS]
        small = len(body) <= AT_ONCE_BYTES
        if small:
            tag, gzipped = _tag_and_gzip(body, KEPT_GZIP_LEVEL)
        else:
            tag, gzipped = await anyio.to_thread.run_sync(_tag_and_gzip, body, FIRST_GZIP_LEVEL)
        if key in self._entries:
            self._size -= self._entries.pop(key).size
        entry = _Entry(
            response.status_code,
            _Variant.of(body, kept, f'"{tag}"'.encode(), gzipped=False),
            _Variant.of(gzipped, kept, f'"{tag}-gzip"'.encode(), gzipped=True),
            self.clock(),
        )
        self._entries[key] = entry
        self._size += entry.size
        while self._size > self.max_bytes and self._entries:
            _, old = self._entries.popitem(last=False)
            self._size -= old.size
        if not small:
            task = asyncio.create_task(self._compress_again(key, entry, body, kept))
            self._compressing.add(task)
            task.add_done_callback(self._compressing.discard)
        return entry

    async def _compress_again(
        self, key: Hashable, entry: _Entry, body: bytes, kept: RawHeaders
    ) -> None:
        """The kept page's gzip made again at ``KEPT_GZIP_LEVEL``, in a worker thread."""
        smaller = await anyio.to_thread.run_sync(_gzip, body, KEPT_GZIP_LEVEL)
        if self._entries.get(key) is not entry:  # gone meanwhile
            return
        self._size += len(smaller) - len(entry.gzipped.body)
        entry.gzipped = _Variant.of(smaller, kept, entry.gzipped.etag, gzipped=True)

    async def settled(self) -> None:
        """Wait until the kept pages' gzips are made again (for shutdown, and tests)."""
        while self._compressing:
            await asyncio.wait(list(self._compressing))

    async def _shared_render(
        self, key: Hashable, render: Callable[[], Awaitable[Response]]
    ) -> _Entry | Response:
        """The page rendered and kept under ``key``, rendered once for all the requests that
        miss it at the same time (after the data moved, every reader of a list would render
        it otherwise); a response that is not kept (an error) is each request's own."""
        pending = self._rendering.get(key)
        if pending is not None:
            entry = await asyncio.shield(pending)
            if entry is not None:
                self.shared += 1
                return entry
            return await render()
        future: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
        self._rendering[key] = future
        try:
            response = await render()
            entry = await self._store(key, response)
        except BaseException:
            future.set_result(None)
            raise
        finally:
            del self._rendering[key]
        future.set_result(entry)
        return response if entry is None else entry

    async def page(
        self,
        key: Hashable,
        sessions: async_sessionmaker[AsyncSession],
        render: Callable[[], Awaitable[Response]],
        request_headers: Headers | None = None,
    ) -> Response:
        """The cached page under ``key``, or ``render()``'s, kept when it is a 200.

        A kept page is also kept gzipped, and sent so to clients that accept it; a client
        whose If-None-Match names the page's ETag gets a 304."""
        await self._check_version(sessions)
        entry = self._entries.get(key)
        if entry is not None and self.clock() - entry.stored_at <= self.max_age:
            self._entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
            entry = await self._shared_render(key, render)
            if isinstance(entry, Response):
                return entry
        if request_headers is None:
            return entry.plain.response(entry.status, None)
        variant = entry.gzipped if accepts_gzip(request_headers) else entry.plain
        return variant.response(entry.status, request_headers.get("if-none-match"))


def _gzip(body: bytes, level: int) -> bytes:
    return gzip.compress(body, compresslevel=level, mtime=0)


def _tag_and_gzip(body: bytes, level: int) -> tuple[str, bytes]:
    """The page's ETag (a hash of its bytes) and its gzip."""
    return hashlib.blake2b(body, digest_size=12).hexdigest(), _gzip(body, level)


def page_cache(request: Request) -> PageCache:
    """The site's page cache (made by ``web.app.create_app``)."""
    cache: PageCache = request.app.state.page_cache
    return cache

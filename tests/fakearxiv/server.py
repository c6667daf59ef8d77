"""A raw HTTP/1.1 server on 127.0.0.1, in a thread of its own, that answers through a
handler and misbehaves on request (see the package docstring for the API).

It is written on asyncio streams rather than on an ASGI server so that it can do what a
well-behaved server cannot: reset a connection, cut a body short, stall forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    """A request as the server saw it; ``arrived``/``finished`` are ``time.monotonic()``."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes
    number: int  # 1-based order of arrival
    arrived: float
    finished: float | None = None
    fault: str | None = None  # the fault injected into the answer, if any

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"

    def encode_head(self, content_length: int | None = None) -> bytes:
        reason = (
            HTTPStatus(self.status).phrase if self.status in HTTPStatus._value2member_map_ else ""
        )
        lines = [f"HTTP/1.1 {self.status} {reason}"]
        if self.status != 304:
            lines.append(f"Content-Type: {self.content_type}")
            length = len(self.body) if content_length is None else content_length
            lines.append(f"Content-Length: {length}")
        lines.append("Connection: keep-alive")
        lines.extend(f"{k}: {v}" for k, v in self.headers.items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def encode(self) -> bytes:
        return self.encode_head() + (b"" if self.status == 304 else self.body)


Handler = Callable[[Request], Reply]


class Connection:
    """What a fault may do with the connection of the request it answers."""

    def __init__(self, server: FakeServer, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.writer = writer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    def reset(self) -> None:
        """Drop the connection with a TCP reset."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def wait(self, seconds: float | None) -> None:
        """Sleep ``seconds``, or until the server stops when None."""
        if seconds is None:
            await self.server._stopping.wait()
            raise ConnectionAbortedError("server stopping")
        await asyncio.sleep(seconds)


# -- faults ------------------------------------------------------------------------------
# A fault answers one request instead of the handler. ``respond`` returns whether the
# connection stays open for further requests.
class Fault(Protocol):
    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        """Answer ``request`` on ``connection`` (``normal`` gives the real reply)."""
        ...


@dataclass
class Status:
    """Answer with ``status`` (and ``Retry-After`` if given) instead of the real reply."""

    status: int
    retry_after: str | float | None = None
    body: bytes = b""

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        await connection.send(Reply(self.status, self.body, headers, "text/plain").encode())
        return True


@dataclass
class Stall:
    """Wait ``seconds`` before answering normally; ``None``: until the server stops."""

    seconds: float | None = None

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        await connection.wait(self.seconds)
        await connection.send(normal(request).encode())
        return True


@dataclass
class Reset:
    """Read the request, then drop the connection with a TCP reset."""

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        connection.reset()
        return False


@dataclass
class Truncate:
    """Announce the whole body, send only ``fraction`` of it, then close the connection."""

    fraction: float = 0.5

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        reply = normal(request)
        cut = int(len(reply.body) * self.fraction)
        await connection.send(reply.encode_head(len(reply.body)) + reply.body[:cut])
        connection.writer.close()
        return False


@dataclass
class CutShort:
    """Answer with only ``fraction`` of the real body, as if it were all of it (status 200,
    a matching Content-Length): a whole response whose document breaks off."""

    fraction: float = 0.5

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        reply = normal(request)
        cut = Reply(
            reply.status,
            reply.body[: int(len(reply.body) * self.fraction)],
            reply.headers,
            reply.content_type,
        )
        await connection.send(cut.encode())
        return True


@dataclass
class Serve:
    """Answer with this body (and status) instead of the real reply."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        await connection.send(Reply(self.status, self.body, dict(self.headers)).encode())
        return True


@dataclass
class Render:
    """Answer with what ``render(request)`` makes of the request."""

    render: Handler

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        await connection.send(self.render(request).encode())
        return True


@dataclass
class Endless:
    """Stream an endless chunked body (to test size limits); stops when the client goes."""

    chunk: bytes = b"<!-- " + b"x" * 65_000 + b" -->\n"

    async def respond(self, connection: Connection, request: Request, normal: Handler) -> bool:
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        await connection.send(head)
        for _ in range(100_000):
            await connection.send(b"%x\r\n%s\r\n" % (len(self.chunk), self.chunk))
        return False


@dataclass
class Rule:
    fault: Fault
    path: str | None = None
    params: Mapping[str, str] | None = None
    skip: int = 0
    times: int | None = 1  # None: every matching request
    used: int = 0

    def matches(self, request: Request) -> bool:
        if self.path is not None and not request.path.startswith(self.path):
            return False
        return all(request.query.get(k) == v for k, v in (self.params or {}).items())


class FakeServer:
    """An HTTP server on 127.0.0.1 (a free port unless ``port`` is given), in a thread."""

    def __init__(self, handler: Handler | None = None, *, port: int = 0) -> None:
        self.handler: Handler = handler or (lambda request: Reply(404, b"not found"))
        self.port = port
        self.requests: list[Request] = []
        self.rules: list[Rule] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._condition = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._stopping: asyncio.Event | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeServer:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _open(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        assert self._server is not None and self._stopping is not None
        self._stopping.set()
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    # -- faults and the log ---------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        path: str | None = None,
        params: Mapping[str, str] | None = None,
        skip: int = 0,
        times: int | None = 1,
    ) -> Rule:
        """Answer matching requests with ``fault``: after ``skip`` of them, ``times`` times
        (None: always). Rules are tried in the order they were added."""
        rule = Rule(fault, path, params, skip, times)
        with self._condition:
            self.rules.append(rule)
        return rule

    def clear_faults(self) -> None:
        with self._condition:
            self.rules.clear()

    def seen(self, path: str | None = None) -> list[Request]:
        """The requests so far (to ``path`` and below), in order of arrival."""
        with self._condition:
            return [r for r in self.requests if path is None or r.path.startswith(path)]

    def wait_for(self, predicate: Callable[[Request], bool], timeout: float = 30.0) -> Request:
        """Block until a request satisfying ``predicate`` has arrived; return it."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                for request in self.requests:
                    if predicate(request):
                        return request
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no such request arrived")
                self._condition.wait(left)

    def _fault_for(self, request: Request) -> Fault | None:
        with self._condition:
            for rule in self.rules:
                spent = rule.times is not None and rule.used >= rule.times
                if spent or not rule.matches(request):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.used += 1
                return rule.fault
        return None

    # -- HTTP ------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        connection = Connection(self, writer)
        try:
            while True:
                request = await self._read(reader)
                if request is None:
                    break
                if not await self._answer(connection, request):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        body = await reader.readexactly(length) if length else b""
        parts = urlsplit(target)
        with self._condition:
            request = Request(
                method=method,
                target=target,
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers=headers,
                body=body,
                number=len(self.requests) + 1,
                arrived=time.monotonic(),
            )
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._condition.notify_all()
        return request

    async def _answer(self, connection: Connection, request: Request) -> bool:
        try:
            fault = self._fault_for(request)
            if fault is None:
                await connection.send(self.handler(request).encode())
                return True
            request.fault = type(fault).__name__
            return await fault.respond(connection, request, self.handler)
        finally:
            with self._condition:
                request.finished = time.monotonic()
                self.in_flight -= 1
                self._condition.notify_all()

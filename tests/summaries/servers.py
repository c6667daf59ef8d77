"""ASGI apps served by uvicorn in a thread on a free port of 127.0.0.1, for tests.

The listening socket is bound and listening before the thread starts, so the server can be
used at once: connections wait in the backlog until uvicorn accepts them.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import uvicorn

T = TypeVar("T")


@dataclass
class ServedApp:
    url: str
    server: uvicorn.Server
    thread: threading.Thread
    loop: asyncio.AbstractEventLoop | None = None
    _on_stop: list[Callable[[], None]] = field(default_factory=list)

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` in the server's event loop (thread-safe)."""
        assert self.loop is not None, "the server has not started"
        self.loop.call_soon_threadsafe(callback)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coroutine`` in the server's event loop and wait for its result."""
        assert self.loop is not None, "the server has not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        for callback in self._on_stop:
            callback()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the server did not stop"


def serve(app, *, on_stop: Callable[[], None] | None = None) -> ServedApp:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        interface="asgi3",
        log_level="critical",
        lifespan="on",
        timeout_graceful_shutdown=2,
        access_log=False,
    )
    server = uvicorn.Server(config)
    ready = threading.Event()
    served = ServedApp(f"http://127.0.0.1:{port}", server, threading.Thread())

    def run() -> None:
        async def main() -> None:
            served.loop = asyncio.get_running_loop()
            ready.set()
            await server.serve(sockets=[sock])

        asyncio.run(main())
        sock.close()

    served.thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    if on_stop is not None:
        served._on_stop.append(on_stop)
    served.thread.start()
    ready.wait(timeout=10)
    return served

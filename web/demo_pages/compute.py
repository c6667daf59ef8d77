"""Running a demo off the event loop: in the thread pool, `DEMO_WORKERS` at a time."""

from __future__ import annotations

from collections.abc import Mapping

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from web.demo_pages.demo import Demo
from web.demo_pages.figures import Figure
from web.demo_pages.json_ready import jsonable

DEMO_WORKERS = 2  # demo computations at once; more wait their turn


def run_demo(demo: Demo, values: Mapping[str, object], with_figures: bool = False):
    """The JSON-ready numbers of one call, and its figures if asked (blocking)."""
    data = jsonable(demo.function(**values))
    assert isinstance(data, dict)
    return data, (demo.figures(data) if with_figures else [])


def _limiter(app: Starlette) -> anyio.CapacityLimiter:
    limiter = getattr(app.state, "demo_limiter", None)
    if limiter is None:
        limiter = app.state.demo_limiter = anyio.CapacityLimiter(DEMO_WORKERS)
    return limiter


async def compute(
    request: Request, demo: Demo, values: Mapping[str, object], with_figures: bool = False
) -> tuple[dict, list[Figure]]:
    async with _limiter(request.app):
        return await run_in_threadpool(run_demo, demo, values, with_figures)

"""Running a demo off the event loop: in the thread pool, `DEMO_WORKERS` at a time (the
app's limiter, made by ``web.app.create_app``)."""

from __future__ import annotations

from collections.abc import Mapping

import anyio
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


async def compute(
    request: Request, demo: Demo, values: Mapping[str, object], with_figures: bool = False
) -> tuple[dict, list[Figure]]:
    limiter: anyio.CapacityLimiter = request.app.state.demo_limiter  # see web.app
    async with limiter:
        return await run_in_threadpool(run_demo, demo, values, with_figures)

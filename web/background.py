"""The site's work in the background: tasks that requests start (look-ups from arXiv, jobs
run from the admin page), stopped when the site shuts down before its engine is disposed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("coolpapers.web")


async def stop_tasks(tasks: Iterable[asyncio.Task[Any]], grace: float, *, what: str) -> None:
    """Cancel ``tasks`` and wait until they have ended (their sessions closed, their
    connections given back), ``grace`` seconds at most; a warning tells what was left."""
    tasks = [task for task in tasks if not task.done()]
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace)
    if pending:
        log.warning("%d %s still running after %.0f s of shutdown", len(pending), what, grace)

"""``coolpapers serve``: the web site, optionally with the scheduler in the same process."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import click
from starlette.applications import Starlette

from cli.context import load_settings
from models.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from web.mcp_http import McpService

log = logging.getLogger("coolpapers.schedule")


def site(settings: Settings | None = None) -> Starlette:
    """The site, with the jobs of the schedule known to its admin page."""
    from cli.context import ingest_hooks
    from cli.operations import all_jobs
    from web.app import create_app

    settings = settings or get_settings()
    return create_app(settings, jobs=all_jobs(settings, hooks=ingest_hooks()))


def attach_scheduler(app: Starlette, settings: Settings) -> Starlette:
    """Run the scheduler in ``app``'s process, from its start-up to its shutdown.

    The scheduler runs the jobs on the app's runner (``web.app.create_app`` made it, on the
    jobs of ``site``). Each web worker starts one; the lease lets one of them run the jobs at
    a time. At shutdown (uvicorn's SIGTERM) the job in progress gets the stop grace to finish.
    """
    from schedule import Scheduler
    from schedule.setup import scheduler_options

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Starlette) -> AsyncIterator[object]:
        async with inner(application) as state:
            scheduler = Scheduler(application.state.runner, scheduler_options(settings))
            application.state.scheduler = scheduler
            stop = asyncio.Event()
            task = asyncio.create_task(scheduler.run(stop))
            try:
                yield state
            finally:
                stop.set()
                try:
                    await task
                except Exception:
                    log.exception("the scheduler failed at shutdown")

    app.router.lifespan_context = lifespan
    return app


def freeze_after_startup(app: Starlette) -> Starlette:
    """Keep what ``app`` holds from start-up out of the garbage collector's full passes, then
    prepare in the background what the first readers would otherwise wait for (``prepare``;
    the site is ready before it is).

    The site starts with some 150,000 long-lived objects (modules, templates, SQLAlchemy's
    metadata); each full collection walked them all, stalling every request in flight for
    tens of milliseconds. Frozen once start-up is done, only what requests leave behind is
    traced. For served processes only: frozen objects are never freed.

    The related papers' vectors are built in a child process (``AlikeCache.apart``): in a
    thread, a build held the interpreter's lock for about a second at 1,000 papers (minutes
    at a million), after the start and after every change to the archive, and the requests
    meanwhile waited up to a second.
    """
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Starlette) -> AsyncIterator[object]:
        async with inner(application) as state:
            from web.apart import preload_children

            preload_children()  # before the vectors' build or an index build starts the server
            application.state.alike.apart = True
            warm_up()
            gc.collect()
            gc.freeze()
            gc.enable()  # off while the site started (``collect_once_started``)
            loading = asyncio.create_task(load_search_index(application.state.sessions))
            application.state.index_loading = loading
            preparing = asyncio.create_task(prepare(application, loading))
            freezing = asyncio.create_task(freeze_once_started(application.state.mcp))
            application.state.mcp_freezing = freezing
            try:
                yield state
            finally:
                for task in (loading, preparing, freezing):
                    task.cancel()
                await asyncio.wait([loading, preparing, freezing])

    app.router.lifespan_context = lifespan
    return app


async def prepare(application: Starlette, loading: asyncio.Task[None]) -> None:
    """One after the other, so that each shares the machine with the first readers and not
    with the others: the search index's per-paper arrays (``loading``; the first search would
    read them, at a million papers about a second), the related papers' vectors (the first
    paper page would build them), then the newest day's papers kept ready for their lists
    (``web.warming``: now, and again whenever the data moves) until cancelled."""
    from web.warming import keep_warm

    await asyncio.shield(loading)  # its failure is logged by itself
    building = application.state.alike.start()
    if building is not None:
        with contextlib.suppress(Exception):  # logged by the build; the first reader retries
            await asyncio.shield(building)
    await keep_warm(application.state.sessions)


async def freeze_once_started(mcp: McpService) -> None:
    """Freeze again what the MCP server's start brought (the SDK's modules and models), which
    the site imports in the background once it is ready (``web.mcp_http``)."""
    await mcp.settled()
    gc.collect()
    gc.freeze()


def warm_up() -> None:
    """Do before the first request what the first requests would otherwise all wait for:
    compile every template and load the search's tokenizer (frozen with the rest after)."""
    import search
    from web.templating import templates

    started = time.perf_counter()
    environment = templates.env
    for name in environment.list_templates(filter_func=lambda name: name.endswith(".html")):
        environment.get_template(name)
    search.shared_analyzer().tokenizer  # noqa: B018 (loads the model)
    log.debug("warmed up in %.2f s", time.perf_counter() - started)


async def load_search_index(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Read the search index's per-paper arrays in the background once the site is ready,
    so that the first search does not (at a million papers, about a second); then touch the
    memory its search cache will hold (``search.reserve``, in a worker thread), so
    that the first searches do not wait for the pages of the lists they decode."""
    import search
    from search import reserve
    from search.options import current

    try:
        async with sessions() as session:
            papers = await search.load_index(session)
    except asyncio.CancelledError:
        raise
    except Exception:  # the first search reads them then, and reports what fails
        log.exception("the search index could not be loaded at start-up")
        return
    wanted = reserve.reserve_bytes(papers, current().cache_bytes)
    touched = await asyncio.to_thread(reserve.touch, wanted)
    log.debug("%d MiB touched for the search cache", touched >> 20)


def prepare_process() -> None:
    """What a served process does first, before it starts any thread: the garbage collector
    off until the site has started (``collect_once_started``), and the allocator told to keep
    the memory that searches free (``search.reserve.keep_freed_memory``)."""
    from search.reserve import keep_freed_memory

    keep_freed_memory()
    collect_once_started()


def collect_once_started() -> None:
    """Turn the garbage collector off until the served site has started
    (``freeze_after_startup`` collects once, freezes and turns it back on).

    Start-up makes some 150,000 objects that live as long as the process, and few cycles to
    free: the collector's passes meanwhile (over 300 of them) walked the same objects again and
    again, a quarter of the time from the start of the process to a site ready to serve."""
    gc.disable()


def served_site() -> Starlette:
    """The factory each worker of ``coolpapers serve`` runs."""
    prepare_process()
    return freeze_after_startup(site())


def site_with_scheduler() -> Starlette:
    prepare_process()
    settings = get_settings()
    return freeze_after_startup(attach_scheduler(site(settings), settings))


# The event loop each worker runs: asyncio's own. Under the mixed load of
# ``benchmarks.mixed_bench`` (32 clients cycling through seven pages and APIs, one worker, the
# server's CPU saturated) uvloop answered about as many requests per second, but its p99 was
# 447 to 674 ms against 82 to 222 ms for asyncio's loop (four runs of each, alternated).
EVENT_LOOPS = ("asyncio", "uvloop")
EVENT_LOOP = "asyncio"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--with-scheduler",
    is_flag=True,
    help="Also run the jobs of the schedule in the web process (see 'coolpapers schedule').",
)
@click.option(
    "--loop",
    type=click.Choice(EVENT_LOOPS),
    default=EVENT_LOOP,
    show_default=True,
    help="The event loop of each worker (uvloop: when installed).",
)
def serve(host: str, port: int, workers: int, with_scheduler: bool, loop: str) -> None:
    """Serve the site (Starlette on uvicorn)."""
    import uvicorn

    settings = load_settings()  # fail early, in one line, on invalid settings
    prepare_process()  # the site's modules are imported by uvicorn, in this process
    factory = "cli.serve:site_with_scheduler" if with_scheduler else "cli.serve:served_site"
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop=loop,
        log_level="info",
        **proxy_options(settings),
    )


def proxy_options(settings: Settings) -> dict[str, object]:
    """uvicorn's reading of X-Forwarded-For and -Proto: from the proxies the site trusts
    (FORWARDED_ALLOW_IPS), as ``web.security.client_address`` does, and from no one else."""
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.FORWARDED_ALLOW_IPS)}

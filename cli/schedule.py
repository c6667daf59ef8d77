"""``coolpapers schedule``: run the jobs of the schedule until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import click

from cli.context import CommandError, load_settings, run, services
from schedule import InvalidSchedule, Scheduler, UnknownJob
from schedule.logline import kv
from schedule.setup import scheduler_options

log = logging.getLogger("coolpapers.schedule")


@click.command()
@click.option(
    "--run-now",
    "run_now",
    multiple=True,
    metavar="JOB",
    help="Run this job as soon as the scheduler holds the lease (repeatable).",
)
def schedule(run_now: tuple[str, ...]) -> None:
    """Run the jobs of the schedule until stopped (SIGTERM or Ctrl-C).

    The schedule follows arXiv's calendar by default (see 'coolpapers jobs'); the
    COOLPAPERS_SCHEDULE_* settings change it. Several schedulers may run at once: the one
    holding the lease in the database runs the jobs, the others stand by. On SIGTERM the
    job in progress gets COOLPAPERS_SCHEDULE_STOP_GRACE seconds to finish, then is
    abandoned and recorded as interrupted.
    """
    settings = load_settings()

    async def go() -> None:
        async with services(settings) as built:
            try:
                runner = built.runner()
                scheduler = Scheduler(
                    runner, scheduler_options(settings), run_at_start=tuple(run_now)
                )
            except UnknownJob as exc:
                raise CommandError(
                    f"no job named {exc.args[0]!r} (see 'coolpapers jobs')"
                ) from None
            except InvalidSchedule as exc:
                raise CommandError(str(exc)) from exc
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, _stopper(stop, signum))
            log.info(
                kv(event="scheduler-started", holder=runner.holder, jobs=",".join(runner.jobs))
            )
            try:
                await scheduler.run(stop)
            finally:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    with contextlib.suppress(Exception):
                        loop.remove_signal_handler(signum)

    run(go)
    click.echo("scheduler stopped", err=True)


def _stopper(stop: asyncio.Event, signum: int):
    def handle() -> None:
        if not stop.is_set():
            log.info(kv(event="signal", signal=signal.Signals(signum).name))
        stop.set()

    return handle

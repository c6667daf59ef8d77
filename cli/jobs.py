"""``coolpapers jobs``: the jobs of the schedule, their last and next runs; run one now."""

from __future__ import annotations

import datetime as dt

import click

from cli.context import CommandError, load_settings, print_json, print_table, run, services
from cli.operations import all_jobs
from models.ops import JobRunStatus
from schedule import InvalidSchedule, JobBusy, RunRecord, UnknownJob
from schedule.overview import ScheduleView, schedule_view

FAILED = (JobRunStatus.FAILED, JobRunStatus.GAVE_UP, JobRunStatus.INTERRUPTED)


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def jobs(context: click.Context, as_json: bool) -> None:
    """List the jobs of the schedule with their last and next runs (or run one: 'run')."""
    if context.invoked_subcommand is None:
        context.invoke(list_jobs, as_json=as_json)


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_jobs(as_json: bool) -> None:
    """List the jobs with their schedule, last run and next run."""
    settings = load_settings()
    try:
        configured = all_jobs(settings)
    except InvalidSchedule as exc:
        raise CommandError(str(exc)) from exc

    async def go() -> ScheduleView:
        async with services(settings) as built, built.sessions() as session:
            return await schedule_view(session, configured, dt.datetime.now(dt.UTC))

    view = run(go)
    if as_json:
        print_json(view.as_json())
        return
    rows = []
    for job in view.jobs:
        last = job.last
        last_text = (
            f"{last.status.value} {_when(last.started_at)}"
            + (" (by hand)" if last.trigger == "manual" else "")
            if last
            else "never"
        )
        rows.append(
            (
                job.name,
                job.schedule,
                last_text,
                "running now" if job.running_by else _when(job.next_due),
                (last.detail or "") if last else "",
            )
        )
    held = view.scheduler
    title = (
        f"jobs (scheduler: {held.holder}, lease until {_when(held.expires_at)})"
        if held
        else "jobs (no scheduler running)"
    )
    print_table(title, ["job", "schedule", "last run", "next run", "detail"], rows)


@jobs.command("run")
@click.argument("name")
@click.option("--no-followers", is_flag=True, help="Do not run the jobs that follow it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def run_job(name: str, no_followers: bool, as_json: bool) -> None:
    """Run the job NAME now, whatever the calendar says, then the jobs that follow it."""
    settings = load_settings()

    async def go() -> list[RunRecord]:
        async with services(settings) as built:
            runner = built.runner()
            return await runner.run_now(name, followers=not no_followers)

    try:
        records = run(go)
    except UnknownJob:
        raise CommandError(f"no job named {name!r} (see 'coolpapers jobs')") from None
    except JobBusy:
        raise CommandError(f"{name} is running already (elsewhere): try again later") from None
    except InvalidSchedule as exc:
        raise CommandError(str(exc)) from exc
    if as_json:
        print_json([_record_json(r) for r in records])
    else:
        for record in records:
            click.echo(
                f"{record.job}: {record.status.value}"
                + (f" (crawl run #{record.crawl_run_id})" if record.crawl_run_id else "")
                + (f": {record.detail}" if record.detail else "")
            )
    if records[0].status in FAILED:
        raise CommandError(f"{name} {records[0].status.value}")


def _record_json(record: RunRecord) -> dict:
    return {
        "run_id": record.run_id,
        "job": record.job,
        "status": record.status.value,
        "detail": record.detail,
        "crawl_run_id": record.crawl_run_id,
        "started_at": record.started_at.isoformat(),
        "finished_at": record.finished_at.isoformat(),
        "trigger": record.trigger,
    }

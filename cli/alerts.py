"""``coolpapers alerts``: send the digests of a day, list the subscriptions, show counts."""

from __future__ import annotations

import datetime as dt

import click

from cli.context import CommandError, load_settings, print_table, run, services


def digest_settings(settings):
    from alerts import DigestConfig, SmtpConfig

    smtp = SmtpConfig.from_settings(settings)
    site = settings.BASE_URL
    return DigestConfig(site=site, sender=smtp.sender, max_papers=settings.ALERTS_MAX_PAPERS), smtp


@click.group()
def alerts() -> None:
    """Alerts by email: send the digests, list the subscriptions, show counts."""


@alerts.command("send")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Announcement day.")
@click.option("--dry-run", is_flag=True, help="Show what would go out; send nothing.")
def send(day: dt.datetime | None, dry_run: bool) -> None:
    """Send the digests of an announcement day (default: the latest)."""
    from alerts import Mailer, send_digests

    settings = load_settings()
    config, smtp = digest_settings(settings)
    if not dry_run and not settings.SMTP_HOST:
        raise CommandError("no SMTP server: set COOLPAPERS_SMTP_HOST (or use --dry-run)")
    if not dry_run and not settings.BASE_URL:
        raise CommandError("set COOLPAPERS_BASE_URL: the digests' links start with it")

    async def go():
        async with services(settings) as built:
            sessions = built.sessions
            if dry_run:
                return await send_digests(
                    sessions, None, config, day=day and day.date(), dry_run=True
                )
            async with Mailer(smtp) as mailer:
                return await send_digests(sessions, mailer, config, day=day and day.date())

    report = run(go)
    if report.day is None:
        raise CommandError("no announced papers yet")
    if dry_run:
        print_table(
            f"Digests of {report.day} (dry run)",
            ["address", "papers"],
            [(p.address, p.papers) for p in report.previews],
        )
        click.echo(
            f"{len(report.previews)} would go out, {report.already} sent before,"
            f" {report.without_matches} without matches"
        )
        return
    click.echo(report.describe())
    if report.failed and not report.sent:
        raise SystemExit(1)


@alerts.command("list")
def list_command() -> None:
    """List the subscriptions (addresses masked)."""
    from alerts.overview import subscriptions

    settings = load_settings()

    async def go():
        async with services(settings) as built, built.sessions() as session:
            return await subscriptions(session)

    rows = run(go)
    print_table(
        "Alert subscriptions",
        ["id", "address", "status", "frequency", "follows", "created"],
        [tuple(r.values()) for r in rows],
    )


@alerts.command("stats")
def stats() -> None:
    """Show subscription and delivery counts, the last runs and failures."""
    from alerts.overview import overview

    settings = load_settings()

    async def go():
        async with services(settings) as built, built.sessions() as session:
            return await overview(session)

    found = run(go)
    print_table("Subscriptions", ["status", "count"], sorted(found.subscriptions.items()))
    print_table("Digests", ["status", "count"], sorted(found.deliveries.items()))
    print_table(
        "Last runs",
        ["day", "started", "status", "sent", "failed", "no match"],
        [
            (
                r.day,
                r.started_at.isoformat(timespec="seconds"),
                r.status,
                r.n_sent,
                r.n_failed,
                r.n_without_matches,
            )
            for r in found.runs
        ],
    )
    print_table(
        "Failures",
        ["address", "day", "status", "error"],
        [(f.address, f.day, f.status, f.error[:80]) for f in found.failures],
    )

"""The digest job: one mail per subscriber with the day's matching papers, each send recorded.

For each active subscription due that day (daily ones every announcement day, weekly ones
on Fridays with the week's papers), without a ``sent`` or ``bounced`` record for the day: the
matches are computed; none, nothing is sent; else the delivery is claimed (``sending``, with
its Message-ID and a new management link) and committed, the mail goes out, and the outcome
is committed. Claims and outcomes are committed a batch at a time (``DigestConfig.batch``
subscriptions: a commit per mail was most of the job's time). A run started again after a
crash skips who was served and serves who was not; the mails of the batch the crash cut off
between the server's acceptance and the record go again under the same Message-ID, which
mail systems take as the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from alerts.addresses import masked, new_token, token_hash
from alerts.compose import Links, PaperParts, digest_message
from alerts.follows import Follow
from alerts.mail import Delivery, Mailer, Outcome
from alerts.matching import DayMatcher, PaperMatch, day_papers, faq_lines
from models.alerts import AlertDelivery, AlertRun, AlertSubscription, AlertToken
from models.schema import Announcement, utcnow

log = logging.getLogger("coolpapers.alerts")
WEEKLY_WEEKDAY = 4  # Friday: weekly digests carry the papers of the seven days up to it


@dataclass(frozen=True, slots=True)
class DigestConfig:
    site: str  # the public URL the links start with
    sender: str
    max_papers: int = 30
    batch: int = 100  # deliveries claimed, and their outcomes recorded, per transaction


@dataclass(slots=True)
class Preview:
    address: str  # masked
    papers: int
    subject: str


@dataclass(slots=True)
class RunReport:
    day: dt.date | None
    dry_run: bool = False
    sent: int = 0
    bounced: int = 0
    failed: int = 0
    already: int = 0
    without_matches: int = 0
    previews: list[Preview] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"digests of {self.day}: {self.sent} sent, {self.bounced} bounced,"
            f" {self.failed} failed, {self.already} sent before,"
            f" {self.without_matches} without matches"
        )


async def latest_day(session: AsyncSession) -> dt.date | None:
    return await session.scalar(select(func.max(Announcement.announced_on)))


def follows_of(subscription: AlertSubscription) -> list[Follow]:
    return [Follow(f.kind, f.value, tuple(f.terms or ())) for f in subscription.follows]


def links_for(site: str, token: str, day: dt.date) -> Links:
    return Links(
        manage=f"{site}/alerts/manage/{token}",
        unsubscribe=f"{site}/alerts/unsubscribe/{token}",
        digest=f"{site}/alerts/manage/{token}?day={day.isoformat()}",
    )


def _message_id(subscription_id: int, day: dt.date, sender: str) -> str:
    domain = sender.rpartition("@")[2].strip("> ") or "coolpapers.invalid"
    return f"<alerts.{subscription_id}.{day.isoformat()}.{secrets.token_hex(6)}@{domain}>"


async def _due(session: AsyncSession, day: dt.date) -> list[AlertSubscription]:
    frequencies = ["daily", "weekly"] if day.weekday() == WEEKLY_WEEKDAY else ["daily"]
    rows = await session.scalars(
        select(AlertSubscription)
        .where(AlertSubscription.status == "active", AlertSubscription.frequency.in_(frequencies))
        .order_by(AlertSubscription.id)
    )
    return list(rows)


async def _served(session: AsyncSession, day: dt.date) -> dict[int, AlertDelivery]:
    rows = await session.scalars(select(AlertDelivery).where(AlertDelivery.day == day))
    return {row.subscription_id: row for row in rows}


async def send_digests(
    sessions: async_sessionmaker[AsyncSession],
    mailer: Mailer | None,
    config: DigestConfig,
    *,
    day: dt.date | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> RunReport:
    """Send (or with ``dry_run``, only tell) the digests of ``day`` (default: the latest)."""
    async with sessions() as session:
        day = day or await latest_day(session)
    report = RunReport(day, dry_run)
    if day is None:
        return report
    run_id = None
    if not dry_run:
        async with sessions.begin() as session:
            run = AlertRun(day=day, started_at=now or utcnow())
            session.add(run)
            await session.flush()
            run_id = run.id
    try:
        await _send_all(sessions, mailer, config, day, report, dry_run, now)
    except BaseException as exc:
        if run_id is not None:
            await _finish(sessions, run_id, report, "failed", f"{type(exc).__name__}: {exc}")
        raise
    if run_id is not None:
        status = "failed" if report.failed and not report.sent else "succeeded"
        await _finish(sessions, run_id, report, status, None)
    return report


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    run_id: int,
    report: RunReport,
    status: str,
    error: str | None,
) -> None:
    async with sessions.begin() as session:
        run = await session.get(AlertRun, run_id)
        if run is None:
            return
        run.status, run.error, run.finished_at = status, error, utcnow()
        run.n_sent, run.n_failed = report.sent, report.failed + report.bounced
        run.n_without_matches = report.without_matches


async def _send_all(
    sessions: async_sessionmaker[AsyncSession],
    mailer: Mailer | None,
    config: DigestConfig,
    day: dt.date,
    report: RunReport,
    dry_run: bool,
    now: dt.datetime | None,
) -> None:
    async with sessions() as session:
        subscriptions = await _due(session, day)
        served = await _served(session, day)
        week = [day - dt.timedelta(days=n) for n in range(7)]
        daily = DayMatcher(session, await day_papers(session, [day]))
        weekly = None
        if any(s.frequency == "weekly" for s in subscriptions):
            weekly = DayMatcher(session, await day_papers(session, week))
        work: list[tuple[AlertSubscription, list[Follow], list[PaperMatch]]] = []
        for subscription in subscriptions:
            record = served.get(subscription.id)
            if record is not None and record.status in ("sent", "bounced"):
                report.already += 1
                continue
            follows = follows_of(subscription)
            matcher = weekly if subscription.frequency == "weekly" and weekly else daily
            matches = await matcher.digest_of(follows)
            if not matches:
                report.without_matches += 1
                continue
            work.append((subscription, follows, matches))
        shown = {m.paper.id for _, _, ms in work for m in ms[: config.max_papers]}
        lines = await faq_lines(session, sorted(shown))
    for _, _, matches in work:
        for match in matches[: config.max_papers]:
            match.faq_line = lines.get(match.paper.id)
    if dry_run:
        report.previews += [
            Preview(masked(s.email), len(matches), f"{len(matches)} papers of {day}")
            for s, _, matches in work
        ]
        return
    assert mailer is not None
    parts: PaperParts = {}
    for start in range(0, len(work), max(1, config.batch)):
        batch = work[start : start + config.batch]
        moment = now or utcnow()
        papers = {s.id: len(matches) for s, _, matches in batch}
        claims = await _claim(sessions, papers, config, day, moment)
        outcomes: list[tuple[int, Delivery]] = []
        for subscription, follows, matches in batch:
            message_id, token = claims[subscription.id]
            message = digest_message(
                sender=config.sender,
                recipient=subscription.email,
                message_id=message_id,
                day=day,
                matches=matches,
                follows=follows,
                links=links_for(config.site, token, day),
                site=config.site,
                max_papers=config.max_papers,
                now=moment,
                parts=parts,
            )
            delivery = await mailer.send(message)
            outcomes.append((subscription.id, delivery))
            if delivery.outcome is Outcome.SENT:
                report.sent += 1
            elif delivery.outcome is Outcome.BOUNCED:
                report.bounced += 1
            else:
                report.failed += 1
                log.warning("digest to %s failed: %s", masked(subscription.email), delivery.error)
        await _record(sessions, day, outcomes)


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    papers: dict[int, int],
    config: DigestConfig,
    day: dt.date,
    moment: dt.datetime,
) -> dict[int, tuple[str, str]]:
    """Claim the day's deliveries of a batch (``sending``) in one transaction: each
    subscription's Message-ID (kept from an earlier claim) and a new management token;
    ``papers`` gives each subscription's number of papers."""
    subscription_ids = list(papers)
    claims: dict[int, tuple[str, str]] = {}
    async with sessions.begin() as session:
        rows = await session.execute(
            select(AlertDelivery.subscription_id, AlertDelivery.message_id).where(
                AlertDelivery.day == day, AlertDelivery.subscription_id.in_(subscription_ids)
            )
        )
        earlier: dict[int, str] = {row[0]: row[1] for row in rows}
        if earlier:
            await session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.day == day, AlertDelivery.subscription_id.in_(list(earlier)))
                .values(status="sending", attempts=AlertDelivery.attempts + 1, updated_at=moment)
            )
        fresh = [i for i in subscription_ids if i not in earlier]
        new_ids = {i: _message_id(i, day, config.sender) for i in fresh}
        if fresh:
            await session.execute(
                insert(AlertDelivery),
                [
                    {
                        "subscription_id": i,
                        "day": day,
                        "status": "sending",
                        "message_id": new_ids[i],
                        "papers": papers[i],
                        "attempts": 1,
                        "updated_at": moment,
                    }
                    for i in fresh
                ],
            )
        tokens = {i: new_token() for i in subscription_ids}
        await session.execute(
            insert(AlertToken),
            [
                {
                    "token_hash": token_hash(t),
                    "subscription_id": i,
                    "purpose": "manage",
                    "created_at": moment,
                }
                for i, t in tokens.items()
            ],
        )
        for i in subscription_ids:
            claims[i] = (earlier.get(i) or new_ids[i], tokens[i])
    return claims


async def _record(
    sessions: async_sessionmaker[AsyncSession],
    day: dt.date,
    outcomes: list[tuple[int, Delivery]],
) -> None:
    """The outcomes of a batch, in one transaction."""
    if not outcomes:
        return
    table = cast(Table, AlertDelivery.__table__)
    statement = (
        table.update()
        .where(table.c.subscription_id == bindparam("b_subscription"), table.c.day == day)
        .values(status=bindparam("b_status"), error=bindparam("b_error"), updated_at=utcnow())
    )
    async with sessions.begin() as session:
        await session.execute(
            statement,
            [
                {"b_subscription": i, "b_status": d.outcome.value, "b_error": d.error}
                for i, d in outcomes
            ],
        )

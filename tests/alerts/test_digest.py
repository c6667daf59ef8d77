"""The digest job against a real SMTP server on 127.0.0.1: the right papers with their
highlights and unsubscribe headers, one mail per subscriber and day across a crash and a
restart, and servers that refuse or drop the connection."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from alerts.digest import DigestConfig, send_digests
from alerts.follows import Follow
from models.alerts import AlertDelivery, AlertRun
from tests.alerts.conftest import NOW, SENDER, SITE, mailer_for, subscribe
from tests.web.data import CY_ID, DAY2, DAY3, MATH_ID

CONFIG = DigestConfig(site=SITE, sender=SENDER, max_papers=30)


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


async def test_a_digest_lists_the_matching_papers_highlighted_with_unsubscribe_headers(
    filled_sessions, smtp
) -> None:
    await subscribe(filled_sessions, "ada@example.org", [{"query": "transformer"}])
    await subscribe(filled_sessions, "grace@example.org", [{"author": "grace hopper"}])
    await subscribe(filled_sessions, "cy@example.org", [{"category": "cs.CY+cs.CL"}])
    await subscribe(filled_sessions, "none@example.org", [{"query": "zebra"}])
    async with mailer_for(smtp) as mailer:
        report = await send_digests(filled_sessions, mailer, CONFIG, now=NOW)
    assert report.day == DAY3
    assert (report.sent, report.without_matches, report.failed) == (3, 1, 0)
    assert smtp.handler.to("none@example.org") == []

    (ada,) = smtp.handler.to("ada@example.org")
    text, html = parts(ada)
    assert f"{SITE}/arxiv/{MATH_ID}" in text and f"{SITE}/arxiv/{CY_ID}" in text
    assert "2411.10002" in text  # "a transformer reads them"
    assert "2411.08001" not in text and "2411.09001" not in text  # other days
    assert "*Transformers*" in text and "*transformer*" in text
    assert "<mark>transformer</mark>" in html
    assert "== search transformer ==" in text
    unsubscribe = "".join(ada["List-Unsubscribe"].split()).strip("<>")
    assert unsubscribe.startswith(f"{SITE}/alerts/unsubscribe/")
    assert ada["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text and f"{SITE}/alerts/manage/" in text

    (grace,) = smtp.handler.to("grace@example.org")
    text, html = parts(grace)
    assert "2411.10002" in text and MATH_ID not in text
    assert "<mark>Grace Hopper</mark>" in html

    (cy,) = smtp.handler.to("cy@example.org")
    assert CY_ID in parts(cy)[0] and MATH_ID not in parts(cy)[0]

    async with filled_sessions() as session:
        statuses = (await session.scalars(select(AlertDelivery.status))).all()
        run = await session.scalar(select(AlertRun))
    assert sorted(statuses) == ["sent"] * 3
    assert (run.status, run.n_sent, run.n_without_matches) == ("succeeded", 3, 1)


async def test_the_cap_links_to_the_rest_and_a_faq_line_is_shown(filled_sessions, smtp) -> None:
    from models.summary import Summary, SummaryKind, SummaryStatus

    async with filled_sessions.begin() as session:
        session.add(
            Summary(
                paper_id=MATH_ID,
                version=1,
                language="en",
                model="m",
                kind=SummaryKind.EXTRACTIVE,
                status=SummaryStatus.COMPLETE,
                faq=[{"question": "What?", "answer": "It makes attention fast. More."}],
            )
        )
    await subscribe(filled_sessions, "ada@example.org", [{"category": "cs.AI"}])
    config = DigestConfig(site=SITE, sender=SENDER, max_papers=2)
    async with mailer_for(smtp) as mailer:
        await send_digests(filled_sessions, mailer, config, now=NOW)
    (mail,) = smtp.messages
    text, _ = parts(mail)
    assert text.count(f"{SITE}/arxiv/") == 2
    assert "more: " + SITE + "/alerts/manage/" in text
    assert "FAQ: It makes attention fast." in text


class Crash(BaseException):
    """The process dying: no handler of the job catches it."""


async def test_nothing_goes_out_twice_across_a_crash_and_a_restart(
    filled_sessions, smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alerts import digest

    addresses = [f"reader{i}@example.org" for i in range(8)]
    for address in addresses:
        await subscribe(filled_sessions, address, [{"query": "transformer"}])
    recorded = digest._record
    config = DigestConfig(site=SITE, sender=SENDER, batch=3)  # records after mails 3, 6, 8

    async def dies_recording_the_second_batch(sessions, day, outcomes) -> None:
        if len(smtp.messages) == 6:  # mails 4 to 6 accepted by the server, not yet recorded
            raise Crash
        await recorded(sessions, day, outcomes)

    monkeypatch.setattr(digest, "_record", dies_recording_the_second_batch)
    with pytest.raises(Crash):
        async with mailer_for(smtp) as mailer:
            await send_digests(filled_sessions, mailer, config, now=NOW)
    assert len(smtp.messages) == 6
    monkeypatch.setattr(digest, "_record", recorded)
    async with mailer_for(smtp) as mailer:
        again = await send_digests(filled_sessions, mailer, config, now=NOW)
        third = await send_digests(filled_sessions, mailer, config, now=NOW)
    assert (again.already, again.sent) == (3, 5)
    assert (third.already, third.sent) == (8, 0)
    for address in addresses:
        ids = {m["Message-ID"] for m in smtp.handler.to(address)}
        assert len(ids) == 1, address  # the mails cut off by the crash went again as themselves
    assert len(smtp.messages) == 11
    async with filled_sessions() as session:
        runs = (await session.scalars(select(AlertRun.status).order_by(AlertRun.id))).all()
        attempts = (await session.scalars(select(AlertDelivery.attempts))).all()
    assert runs == ["failed", "succeeded", "succeeded"]
    assert sorted(attempts) == [1] * 5 + [2] * 3


async def test_a_refused_recipient_bounces_and_a_dropped_connection_is_retried(
    filled_sessions, smtp
) -> None:
    await subscribe(filled_sessions, "gone@example.org", [{"query": "transformer"}])
    await subscribe(filled_sessions, "ok@example.org", [{"query": "transformer"}])
    await subscribe(filled_sessions, "later@example.org", [{"query": "transformer"}])
    smtp.handler.faults.refuse = {"gone@example.org"}
    smtp.handler.faults.drop = 1
    smtp.handler.faults.temporary = 1
    async with mailer_for(smtp) as mailer:
        report = await send_digests(filled_sessions, mailer, CONFIG, now=NOW)
    assert (report.sent, report.bounced, report.failed) == (2, 1, 0)
    assert {m["To"] for m in smtp.messages} == {"ok@example.org", "later@example.org"}
    async with filled_sessions() as session:
        rows = (await session.execute(select(AlertDelivery.status, AlertDelivery.error))).all()
    assert sorted(r.status for r in rows) == ["bounced", "sent", "sent"]
    assert any("550" in (r.error or "") for r in rows)
    # A bounce is not sent again on the next run.
    async with mailer_for(smtp) as mailer:
        assert (await send_digests(filled_sessions, mailer, CONFIG, now=NOW)).already == 3


async def test_a_server_that_keeps_refusing_fails_and_the_next_run_serves_them(
    filled_sessions, smtp
) -> None:
    await subscribe(filled_sessions, "ada@example.org", [{"query": "transformer"}])
    smtp.handler.faults.temporary = 3
    async with mailer_for(smtp, tries=3) as mailer:
        report = await send_digests(filled_sessions, mailer, CONFIG, now=NOW)
    assert (report.sent, report.failed) == (0, 1)
    assert smtp.messages == []
    async with mailer_for(smtp) as mailer:
        report = await send_digests(filled_sessions, mailer, CONFIG, now=NOW)
    assert report.sent == 1 and len(smtp.messages) == 1


async def test_a_closed_port_fails_without_losing_anyone(filled_sessions) -> None:
    from alerts.mail import Mailer, SmtpConfig
    from tests.alerts.smtp import free_port

    await subscribe(filled_sessions, "ada@example.org", [{"query": "transformer"}])
    config = SmtpConfig(host="127.0.0.1", port=free_port(), starttls=False, timeout=2, tries=2)
    async with Mailer(config, sleep=lambda _s: asyncio.sleep(0)) as mailer:
        report = await send_digests(filled_sessions, mailer, CONFIG, now=NOW)
    assert report.failed == 1
    async with filled_sessions() as session:
        (row,) = (await session.scalars(select(AlertDelivery))).all()
    assert row.status == "failed" and row.attempts == 1 and "Connect" in (row.error or "")


async def test_dry_run_sends_and_records_nothing(filled_sessions, smtp) -> None:
    await subscribe(filled_sessions, "ada@example.org", [{"query": "transformer"}])
    await subscribe(filled_sessions, "idle@example.org", [{"query": "transformer"}], active=False)
    report = await send_digests(filled_sessions, None, CONFIG, dry_run=True, now=NOW)
    assert [p.address for p in report.previews] == ["a…@example.org"]
    assert smtp.messages == []
    async with filled_sessions() as session:
        assert (await session.scalars(select(AlertDelivery))).all() == []


async def test_an_earlier_day_and_a_weekly_digest(filled_sessions, smtp) -> None:
    await subscribe(filled_sessions, "ada@example.org", [{"query": "search"}])
    await subscribe(filled_sessions, "week@example.org", [{"query": "search"}], frequency="weekly")
    async with mailer_for(smtp) as mailer:
        report = await send_digests(filled_sessions, mailer, CONFIG, day=DAY2, now=NOW)
    assert report.sent == 1  # DAY2 is a Wednesday: no weekly digest
    assert "2411.09001" in parts(smtp.messages[0])[0]
    assert Follow("query", "search").label == "search search"

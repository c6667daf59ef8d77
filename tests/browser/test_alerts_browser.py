"""Alerts in a real Chromium against a real SMTP server on 127.0.0.1: a reader signs up on
``/alerts``, confirms through the link of the mail, the digest job mails the day's matching
papers, and the reader opens the management page from the digest and unsubscribes."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.operations import ALERTS_JOB, alerts_job
from models.db import create_engine, session_factory
from models.settings import Settings
from schedule import JobContext, JobResult
from schedule.setup import calendar_of
from tests.alerts.smtp import SmtpServer
from tests.browser.conftest import ServerThread
from tests.web.data import CY_ID, MATH_ID, fill
from web.app import create_app

pytestmark = pytest.mark.browser

ADDRESS = "ada@example.org"
SENDER = "coolpapers <alerts@papers.test>"


@dataclass
class AlertSite:
    url: str
    settings: Settings
    smtp: SmtpServer
    database: Path

    def subscriptions(self) -> int:
        with sqlite3.connect(self.database) as connection:
            return int(connection.execute("SELECT count(*) FROM alert_subscriptions").fetchone()[0])


def in_a_thread(coroutine):
    """Run ``coroutine`` in a thread of its own: Playwright's loop runs in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def alert_site(tmp_path: Path, migrated_template: Path) -> Iterator[AlertSite]:
    path = tmp_path / "site.db"
    shutil.copy(migrated_template, path)
    with SmtpServer() as smtp:
        settings = Settings(
            DATABASE_URL=f"sqlite+aiosqlite:///{path}",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=smtp.port,
            SMTP_STARTTLS=False,
            MAIL_FROM=SENDER,
        )
        in_a_thread(fill(settings))
        with ServerThread(create_app(settings)) as url:
            yield AlertSite(url, settings.model_copy(update={"BASE_URL": url}), smtp, path)


def run_digest_job(settings: Settings) -> JobResult:
    """The scheduled digest job, run once as the scheduler runs it."""
    job = alerts_job(settings)
    assert job.name == ALERTS_JOB

    async def go() -> JobResult:
        engine = create_engine(settings=settings)
        try:
            now = dt.datetime.now(dt.UTC)
            context = JobContext(
                ALERTS_JOB, session_factory(engine), calendar_of(settings), now, now, manual=True
            )
            return await job.run(context)
        finally:
            await engine.dispose()

    return in_a_thread(go())


def link_in(message, path: str) -> str:
    """The path of the ``/alerts/<path>/<token>`` link in the mail's text part."""
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"(/alerts/{path}/[\w-]+)", text)
    assert found, text
    return found.group(1)


def test_subscribe_confirm_receive_the_digest_and_unsubscribe(browser, alert_site) -> None:
    site, smtp = alert_site, alert_site.smtp
    errors: list[str] = []
    outside: list[str] = []
    context = browser.new_context(base_url=site.url)
    context.set_default_timeout(10_000)
    context.route(
        lambda url: not url.startswith(site.url),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        # Sign up on the form; a query with no word is refused first, and what was typed stays.
        page.goto("/alerts")
        page.fill("input[name=email]", ADDRESS)
        page.fill("textarea[name=query]", "-only -exclusions")
        page.click("form.alerts-form button[type=submit]")
        assert "has no word" in page.locator("p.error[role=alert]").inner_text()
        assert page.locator("input[name=email]").input_value() == ADDRESS
        assert smtp.messages == [] and site.subscriptions() == 0
        page.fill("textarea[name=query]", "transformer")
        page.click("form.alerts-form button[type=submit]")
        page.locator("#alerts-sent").wait_for()
        (confirmation,) = smtp.handler.to(ADDRESS)
        assert confirmation["Subject"] == "coolpapers: confirm your alerts"

        # Confirm through the link of the mail: a page whose button POSTs.
        page.goto(link_in(confirmation, "confirm"))
        assert "search transformer" in page.locator("main, body").first.inner_text()
        page.click("#confirm")
        page.wait_for_url(re.compile(r"/alerts/manage/"))
        assert page.locator("#alert-status").inner_text() == "active"

        # The digest job mails the day's matching papers, and nothing more.
        result = run_digest_job(site.settings)
        assert result.outcome.value == "succeeded", result.detail
        assert "1 sent" in result.detail
        confirmation_and_digest = smtp.handler.to(ADDRESS)
        assert len(confirmation_and_digest) == 2
        digest = confirmation_and_digest[-1]
        text = digest.get_body(("plain",)).get_content()
        for paper_id in (MATH_ID, CY_ID, "2411.10002"):
            assert f"{site.url}/arxiv/{paper_id}" in text
        assert "2411.08001" not in text and "2411.09001" not in text  # other days
        assert "*transformer*" in text
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = "".join(digest["List-Unsubscribe"].split()).strip("<>")
        assert unsubscribe.startswith(f"{site.url}/alerts/unsubscribe/")
        again = run_digest_job(site.settings)  # the day is served: nobody gets it twice
        assert "0 sent" in again.detail and len(smtp.handler.to(ADDRESS)) == 2

        # The management link of the digest; the reader unsubscribes from there.
        manage = link_in(digest, "manage")
        page.goto(manage)
        assert page.locator("#alert-status").inner_text() == "active"
        shown = page.locator("article.alert-match").evaluate_all(
            "nodes => nodes.map(n => n.dataset.id)"
        )
        assert {MATH_ID, CY_ID, "2411.10002"} <= set(shown)
        page.click("#unsubscribe")
        page.locator("#unsubscribed").wait_for()
        assert site.subscriptions() == 0
        gone = page.goto(manage)
        assert gone is not None and gone.status == 404
        # The only errors: the refused form (400) and the link that ended (404).
        assert [re.sub(r".*status of (\d+).*", r"\1", e) for e in errors] == ["400", "404"]
    finally:
        context.close()
    assert outside == [], f"requests left the site: {outside}"

"""The alerts on the admin page: subscriptions by status, the last digest runs and the failed
mails, with every address masked (the reasons a server gave included)."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr
from starlette.testclient import TestClient

from alerts.digest import DigestConfig, send_digests
from models.db import create_engine, session_factory
from tests.alerts.conftest import NOW, SENDER, SITE, mailer_for, subscribe
from web.app import create_app

TOKEN = "s3cret-admin-token-long-enough-to-guess-never"
ADDRESSES = ("ok@example.org", "gone@example.org", "waiting@example.org", "quiet@example.org")


def test_the_admin_page_counts_subscriptions_runs_and_failures_without_addresses(
    filled_settings, smtp
) -> None:
    async def made() -> None:
        engine = create_engine(settings=filled_settings)
        try:
            sessions = session_factory(engine)
            await subscribe(sessions, "ok@example.org", [{"query": "transformer"}])
            await subscribe(sessions, "gone@example.org", [{"query": "transformer"}])
            await subscribe(sessions, "waiting@example.org", [{"query": "x"}], active=False)
            await subscribe(sessions, "quiet@example.org", [{"query": "zebra"}])
            smtp.handler.faults.refuse = {"gone@example.org"}
            async with mailer_for(smtp) as mailer:
                await send_digests(sessions, mailer, DigestConfig(SITE, SENDER), now=NOW)
        finally:
            await engine.dispose()

    asyncio.run(made())
    configured = filled_settings.model_copy(update={"ADMIN_TOKEN": SecretStr(TOKEN)})
    with TestClient(create_app(configured)) as client:
        page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    text = page.text
    assert 'id="alerts"' in text
    counts = text[text.index('id="alert-counts"') : text.index("</p>", text.index("alert-counts"))]
    assert "3 active" in counts and "1 pending" in counts
    assert "1 bounced" in counts and "1 sent" in counts
    runs = text[text.index('id="alert-runs"') : text.index("</table>", text.index("alert-runs"))]
    assert 'data-status="succeeded"' in runs and "2024-11-28" in runs
    assert "<td>1</td><td>1</td><td>1</td>" in runs  # sent, bounced, without matches
    failures = text[text.index('id="alert-failures"') :]
    failures = failures[: failures.index("</table>")]
    assert "g…@example.org" in failures and "550" in failures and "bounced" in failures
    for address in ADDRESSES:
        assert address not in text


def test_without_subscriptions_the_section_says_so(filled_settings) -> None:
    configured = filled_settings.model_copy(update={"ADMIN_TOKEN": SecretStr(TOKEN)})
    with TestClient(create_app(configured)) as client:
        page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert "Subscriptions: none." in page.text and "No digest has been sent yet." in page.text

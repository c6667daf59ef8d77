"""Alerts on the site against a local SMTP server: sign up, confirm from the mailed link,
manage, one-click unsubscribe; bad input stores nothing; a flood of sign-ups is limited."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from alerts.digest import DigestConfig, send_digests
from models.alerts import AlertSubscription, AlertToken
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.alerts.conftest import SENDER, mailer_for
from web.app import create_app

SITE = "http://testserver"


@pytest.fixture
def site(filled_settings: Settings, smtp) -> Iterator[TestClient]:
    served = filled_settings.model_copy(
        update={
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "SMTP_STARTTLS": False,
            "MAIL_FROM": SENDER,
            "ALERTS_SIGNUP_LIMIT": 3,
        }
    )
    with TestClient(create_app(served)) as client:
        yield client


def count(settings: Settings, model=AlertSubscription) -> int:
    async def run() -> int:
        engine = create_engine(settings=settings)
        try:
            async with session_factory(engine)() as session:
                return int(await session.scalar(select(func.count()).select_from(model)) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def link(message, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"{SITE}(/alerts/{path}/[\w-]+)", text)
    assert found, text
    return found.group(1)


def test_sign_up_confirm_receive_and_unsubscribe_in_one_click(site, smtp, filled_settings) -> None:
    answer = site.post(
        "/api/alerts",
        json={
            "email": "ada@example.org",
            "follow": [{"query": "transformer"}, {"author": "Grace Hopper"}],
        },
    )
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    (mail,) = smtp.handler.to("ada@example.org")
    confirm = link(mail, "confirm")
    page = site.get(confirm)
    assert page.status_code == 200 and "search transformer" in page.text
    assert count(filled_settings, AlertToken) == 1
    done = site.post(confirm, follow_redirects=False)
    assert done.status_code == 303
    manage = site.get(done.headers["location"])
    assert 'id="alert-status">active' in manage.text and "2411.10002" in manage.text

    async def digest() -> None:
        engine = create_engine(settings=filled_settings)
        try:
            async with mailer_for(smtp) as mailer:
                config = DigestConfig(site=SITE, sender=SENDER)
                await send_digests(session_factory(engine), mailer, config)
        finally:
            await engine.dispose()

    asyncio.run(digest())
    digest_mail = smtp.handler.to("ada@example.org")[-1]
    header = "".join(digest_mail["List-Unsubscribe"].split()).strip("<>")
    assert header.startswith(f"{SITE}/alerts/unsubscribe/")
    assert site.get(header).status_code == 200 and count(filled_settings) == 1
    bare = site.post(
        header,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert bare.status_code == 200 and "deleted" in bare.text
    assert count(filled_settings) == 0 and count(filled_settings, AlertToken) == 0
    assert site.get(header).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an address", "follow": [{"query": "x"}]}, "email"),
        ({"email": "a@example.org\r\nBcc: all@example.org", "follow": [{"query": "x"}]}, "email"),
        ({"email": "a@example.org", "follow": [{"query": "a\nBcc: b@example.org"}]}, "query"),
        ({"email": "a@example.org", "follow": [{"query": "-only -exclusions"}]}, "query"),
        ({"email": "a@example.org", "follow": [{"author": "Nobody Known"}]}, "author"),
        ({"email": "a@example.org", "follow": [{"category": "xx.NOPE"}]}, "category"),
        ({"email": "a@example.org", "follow": [{"venue": "NeurIPS"}]}, "venue"),
        ({"email": "a@example.org", "follow": [{"color": "red"}]}, "follow"),
        ({"email": "a@example.org", "follow": []}, "follow"),
        (
            {"email": "a@example.org", "follow": [{"query": "x"}], "frequency": "hourly"},
            "frequency",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_stored(
    site, smtp, filled_settings, body, field
) -> None:
    answer = site.post("/api/alerts", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field and answer.json()["error"]
    assert count(filled_settings) == 0 and smtp.messages == []


def test_an_ambiguous_author_offers_the_candidates(site) -> None:
    answer = site.post(
        "/api/alerts", json={"email": "a@example.org", "follow": [{"author": "A. Number1"}]}
    )
    assert answer.status_code == 202  # only one person fits: Author Number1
    answer = site.post(
        "/api/alerts", json={"email": "b@example.org", "follow": [{"author": "A. Lovelace"}]}
    )
    assert answer.status_code == 202


def test_the_form_shows_the_error_and_keeps_what_was_typed(site, filled_settings) -> None:
    headers = {"origin": SITE}
    page = site.post(
        "/alerts", data={"email": "a@example.org", "author": "Nobody Known"}, headers=headers
    )
    assert page.status_code == 400 and "nobody named" in page.text
    assert "Nobody Known" in page.text and count(filled_settings) == 0
    page = site.post(
        "/alerts", data={"email": "a@example.org", "query": "transformer"}, headers=headers
    )
    assert page.status_code == 202 and "alerts-sent" in page.text
    assert site.post("/alerts", data={"email": "a@example.org"}).status_code == 403


def test_a_flood_of_sign_ups_is_limited_per_address_and_per_client(
    site, smtp, filled_settings
) -> None:
    statuses = [
        site.post(
            "/api/alerts", json={"email": f"r{i}@example.org", "follow": [{"query": "x"}]}
        ).status_code
        for i in range(10)
    ]
    assert statuses == [202] * 3 + [429] * 7
    assert count(filled_settings) == 3 and len(smtp.messages) == 3
    refused = site.post("/api/alerts", json={"email": "r0@example.org", "follow": [{"query": "x"}]})
    assert refused.headers["retry-after"] == "3600"


def test_a_server_that_refuses_the_confirmation_keeps_nothing(site, smtp, filled_settings) -> None:
    smtp.handler.faults.refuse = {"gone@example.org"}
    answer = site.post(
        "/api/alerts", json={"email": "gone@example.org", "follow": [{"query": "x"}]}
    )
    assert answer.status_code == 400 and count(filled_settings) == 0

"""Fixtures of the alerts' tests: the site's small archive indexed for search, a local SMTP
server, active subscriptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from alerts.mail import Mailer, SmtpConfig
from alerts.subscriptions import SignupLimits, confirm, sign_up
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.alerts.smtp import SmtpServer
from tests.web.data import fill_sync

NOW = dt.datetime(2024, 11, 28, 23, 0, tzinfo=dt.UTC)
SITE = "http://papers.test"
SENDER = "coolpapers <alerts@papers.test>"


@pytest.fixture
def filled_settings(settings: Settings) -> Settings:
    fill_sync(settings)
    return settings


@pytest.fixture
async def filled_sessions(
    filled_settings: Settings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings=filled_settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


async def no_sleep(_seconds: float) -> None:
    return None


def mailer_for(server: SmtpServer, tries: int = 3) -> Mailer:
    config = SmtpConfig(
        host="127.0.0.1", port=server.port, starttls=False, sender=SENDER, timeout=5, tries=tries
    )
    return Mailer(config, sleep=no_sleep)


async def subscribe(
    sessions: async_sessionmaker[AsyncSession],
    email: str,
    follow: list[dict],
    *,
    frequency: str = "daily",
    active: bool = True,
) -> str:
    """A subscription (confirmed unless ``active`` is False); its management token."""
    limits = SignupLimits(per_window=1000, window=3600)
    async with sessions.begin() as session:
        made = await sign_up(
            session,
            {"email": email, "follow": follow, "frequency": frequency},
            client=f"client-{email}",
            limits=limits,
            now=NOW,
        )
        if active:
            await confirm(session, made.subscription, NOW)
    return made.token

"""Delivery over SMTP through aiosmtplib, one connection kept for a run and retried through
the retry utility: a dropped connection or a temporary refusal (4xx) is tried again on a new
connection; a permanent refusal (5xx) is a bounce; giving up is a failure."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

import aiosmtplib
from tenacity import wait_exponential

from models.settings import Settings
from retry import AsyncRetry, RetryOptions


class Outcome(enum.StrEnum):
    SENT = "sent"
    BOUNCED = "bounced"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    sender: str = ""
    timeout: float = 30.0
    tries: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        return cls(
            host=settings.SMTP_HOST,
            port=settings.SMTP_PORT,
            user=settings.SMTP_USER,
            password=settings.SMTP_PASSWORD.get_secret_value(),
            starttls=settings.SMTP_STARTTLS,
            sender=settings.MAIL_FROM or f"coolpapers <alerts@{settings.SMTP_HOST or 'localhost'}>",
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: Outcome
    attempts: int
    error: str | None = None


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and 500 <= exc.code < 600


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, aiosmtplib.SMTPException | OSError) and not _permanent(exc)


class Mailer:
    """``async with Mailer(config) as mailer: await mailer.send(message)``."""

    def __init__(
        self, config: SmtpConfig, *, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Mailer:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            config = self.config
            client = aiosmtplib.SMTP(
                hostname=config.host,
                port=config.port,
                timeout=config.timeout,
                start_tls=config.starttls,
                username=config.user or None,
                password=config.password or None,
            )
            await client.connect()
            self._client = client
        return self._client

    async def send(self, message: EmailMessage) -> Delivery:
        options: RetryOptions = {
            "wait": wait_exponential(multiplier=1, max=30),
            "retry_on": _transient,
            "raise_on_give_up": False,
        }
        if self._sleep is not None:
            options["sleep"] = self._sleep
        attempts = 0
        runs = AsyncRetry(self.config.tries, **options)
        try:
            async for attempt in runs:
                with attempt:
                    attempts += 1
                    await self._send_once(message)
        except (aiosmtplib.SMTPException, OSError) as refused:  # not retried: permanent
            error: BaseException | None = refused
        else:
            error = runs.exception
        if error is None:
            return Delivery(Outcome.SENT, attempts)
        detail = f"{type(error).__name__}: {error}"[:500]
        if _permanent(error):
            return Delivery(Outcome.BOUNCED, attempts, detail)
        return Delivery(Outcome.FAILED, attempts, detail)

    async def _send_once(self, message: EmailMessage) -> None:
        try:
            client = await self._connected()
            await client.send_message(message)
        except BaseException as exc:
            if self._client is not None and not _permanent(exc):
                self._client.close()
                self._client = None
            raise

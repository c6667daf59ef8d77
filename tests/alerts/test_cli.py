"""``coolpapers alerts send|list|stats`` against a local SMTP server, and the scheduled job."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from cli.main import cli
from cli.operations import ALERTS_JOB, SUMMARIES_JOB, all_jobs
from models.db import create_engine, session_factory
from tests.alerts.conftest import subscribe


def test_send_list_and_stats(filled_settings, smtp, monkeypatch) -> None:
    async def made() -> None:
        engine = create_engine(settings=filled_settings)
        try:
            await subscribe(session_factory(engine), "ada@example.org", [{"query": "transformer"}])
        finally:
            await engine.dispose()

    asyncio.run(made())
    runner = CliRunner()
    dry = runner.invoke(cli, ["alerts", "send", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "a…@example.org" in dry.output and "1 would go out" in dry.output
    assert smtp.messages == []
    refused = runner.invoke(cli, ["alerts", "send"])
    assert refused.exit_code == 1 and "SMTP_HOST" in refused.output
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_STARTTLS": "false",
        "BASE_URL": "http://papers.test",
    }.items():
        monkeypatch.setenv(f"COOLPAPERS_{name}", value)
    sent = runner.invoke(cli, ["alerts", "send", "--date", "2024-11-28"])
    assert sent.exit_code == 0, sent.output
    assert "1 sent" in sent.output and len(smtp.messages) == 1
    again = runner.invoke(cli, ["alerts", "send"])
    assert "0 sent" in again.output and "1 sent before" in again.output
    listed = runner.invoke(cli, ["alerts", "list"])
    assert "a…@example.org" in listed.output and "ada@" not in listed.output
    stats = runner.invoke(cli, ["alerts", "stats"])
    assert stats.exit_code == 0 and "sent" in stats.output and "ada@" not in stats.output


def test_the_digest_job_follows_the_summaries_when_mail_is_configured(filled_settings) -> None:
    assert ALERTS_JOB not in {job.name for job in all_jobs(filled_settings)}
    configured = filled_settings.model_copy(update={"SMTP_HOST": "127.0.0.1"})
    (job,) = [job for job in all_jobs(configured) if job.name == ALERTS_JOB]
    assert job.after == (SUMMARIES_JOB,)

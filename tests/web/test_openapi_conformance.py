"""The OpenAPI description against the code: Schemathesis generates requests for every
operation of ``/api/openapi.json`` (from the examples, the schema's boundaries, and valid and
invalid inputs) and runs all its checks on a live site over the test archive: no 5xx, only
documented statuses, content types and headers, bodies that follow their schemas, valid input
accepted, invalid input rejected, 405 with ``Allow`` for undescribed methods."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from models.settings import Settings
from tests.alerts.smtp import SmtpServer
from tests.browser.conftest import ServerThread
from tests.web.data import fill_sync
from web.app import create_app

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 8  # per operation and phase: the run stays under a minute here
ADMIN_TOKEN = "conformance-admin-token"
# Which valid requests a demo may still refuse with its documented 400: the rules tying its
# parameters together (patch divides image_size, n·d·batch at most 2^31, a vocabulary able
# to segment the text) are in each operation's description, out of reach of a schema.
DEMO_POSITIVE_STATUSES = "2xx,400"


# Which valid requests alerts may still refuse: an author or category the archive does not
# hold is a 400, and sign-ups are limited per address and per client (429).
ALERTS_POSITIVE_STATUSES = "2xx,400,429"


@pytest.fixture
def site(settings: Settings):
    fill_sync(settings)
    with SmtpServer() as mail:  # where alerts send their confirmations
        served = settings.model_copy(
            update={
                "ADMIN_TOKEN": SecretStr(ADMIN_TOKEN),
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": mail.port,
                "MAIL_FROM": "alerts@coolpapers.test",
                "BASE_URL": "http://coolpapers.test",
            }
        )
        with ServerThread(create_app(served)) as url:
            yield url


def schemathesis(config: Path, *arguments: str, timeout: float) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).with_name("schemathesis")
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    command = [str(binary), "--config-file", str(config), "run", *arguments]
    return subprocess.run(  # in the config's folder, where it keeps its reports
        command, capture_output=True, text=True, timeout=timeout, env=env, cwd=config.parent
    )


def test_the_site_answers_as_its_openapi_document_says(site: str, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "".join(
            "[[operations]]\n"
            f'include-tag = "{tag}"\n'
            "[operations.checks.positive_data_acceptance]\n"
            f"expected-statuses = {statuses.split(',')!r}\n".replace("'", '"')
            for tag, statuses in (
                ("demos", DEMO_POSITIVE_STATUSES),
                ("alerts", ALERTS_POSITIVE_STATUSES),
            )
        )
    )
    result = schemathesis(
        config,
        f"{site}/api/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20241128",
        "--request-timeout",
        "20",
        "--max-response-time",
        "10",
        "--continue-on-failure",
        "--generation-database",
        "none",
        timeout=240,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-20000:]
    assert "No issues found" in report or "passed" in report, report[-5000:]

"""``coolpapers serve``'s options as uvicorn receives them: the event loop of each worker."""

from __future__ import annotations

import pytest
import uvicorn
from click.testing import CliRunner

from cli import serve
from models.settings import Settings


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """What ``uvicorn.run`` was called with, instead of serving."""
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    monkeypatch.setattr(serve, "load_settings", Settings)
    monkeypatch.setattr(serve, "collect_once_started", lambda: None)  # the collector stays on
    return calls


def test_the_workers_run_asyncios_event_loop_unless_told(started) -> None:
    result = CliRunner().invoke(serve.serve, [])
    assert result.exit_code == 0, result.output
    assert started[0]["loop"] == "asyncio" == serve.EVENT_LOOP
    result = CliRunner().invoke(serve.serve, ["--loop", "uvloop", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert started[1]["loop"] == "uvloop" and started[1]["workers"] == 2


def test_an_unknown_event_loop_is_refused(started) -> None:
    result = CliRunner().invoke(serve.serve, ["--loop", "trio"])
    assert result.exit_code == 2 and "'trio' is not one of" in result.output
    assert started == []

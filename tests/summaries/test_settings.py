"""The summary settings: offline by default, validated when an endpoint is given."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.settings import Settings


def test_offline_by_default() -> None:
    settings = Settings(_env_file=None)
    assert not settings.llm_configured
    assert settings.SUMMARY_LANGUAGES == ["en", "zh"]
    assert settings.LLM_MAX_CONCURRENCY >= 1 and settings.LLM_DAILY_BUDGET > 0
    assert settings.ADMIN_TOKEN.get_secret_value() == ""


def test_an_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOLPAPERS_LLM_BASE_URL", "https://api.example.org/v1/")
    monkeypatch.setenv("COOLPAPERS_LLM_MODEL", "some-model")
    monkeypatch.setenv("COOLPAPERS_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("COOLPAPERS_SUMMARY_LANGUAGES", "zh")
    settings = Settings(_env_file=None)
    assert settings.llm_configured and settings.LLM_BASE_URL == "https://api.example.org/v1"
    assert settings.LLM_API_KEY.get_secret_value() == "sk-secret"
    assert "sk-secret" not in repr(settings)
    assert settings.SUMMARY_LANGUAGES == ["zh"]


@pytest.mark.parametrize(
    "values",
    [
        {"LLM_BASE_URL": "api.example.org"},
        {"LLM_BASE_URL": "https://api.example.org/v1"},  # no model named
        {"SUMMARY_LANGUAGES": "en,fr"},
        {"SUMMARY_LANGUAGES": ""},
        {"LLM_MAX_CONCURRENCY": "0"},
        {"LLM_DAILY_BUDGET": "-1"},
    ],
)
def test_invalid_values_are_rejected(values: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **values)

"""Settings come from COOLPAPERS_* variables and are validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.settings import DEFAULT_CATEGORIES, Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COOLPAPERS_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.DATABASE_URL == "sqlite+aiosqlite:///data/coolpapers.db"
    assert settings.ARXIV_RSS_BASE == "https://rss.arxiv.org"
    assert settings.ARXIV_API_BASE == "https://export.arxiv.org/api"
    assert settings.ARXIV_OAI_BASE == "https://oaipmh.arxiv.org/oai"
    assert settings.MIN_REQUEST_INTERVAL == 3
    assert settings.CATEGORIES == DEFAULT_CATEGORIES
    assert all(c.startswith("cs.") for c in settings.CATEGORIES)


def test_environment_variables_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOLPAPERS_CATEGORIES", "cs.CL, cs.LG")
    monkeypatch.setenv("COOLPAPERS_MIN_REQUEST_INTERVAL", "0.5")
    monkeypatch.setenv("COOLPAPERS_CONTACT_EMAIL", "ops@example.org")
    settings = Settings(_env_file=None)
    assert settings.CATEGORIES == ["cs.CL", "cs.LG"]
    assert settings.MIN_REQUEST_INTERVAL == 0.5
    assert "mailto:ops@example.org" in settings.user_agent


def test_categories_as_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOLPAPERS_CATEGORIES", '["math.CO", "cs.DM"]')
    assert Settings(_env_file=None).CATEGORIES == ["math.CO", "cs.DM"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COOLPAPERS_MIN_REQUEST_INTERVAL", "-1"),
        ("COOLPAPERS_MIN_REQUEST_INTERVAL", "soon"),
        ("COOLPAPERS_ARXIV_API_BASE", "ftp://export.arxiv.org"),
        ("COOLPAPERS_DATABASE_URL", "coolpapers.db"),
    ],
)
def test_invalid_values_are_rejected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_dotenv_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COOLPAPERS_CONTACT_EMAIL", raising=False)
    env = tmp_path / ".env"
    env.write_text("COOLPAPERS_CONTACT_EMAIL=team@example.org\n")
    assert Settings(_env_file=env).CONTACT_EMAIL == "team@example.org"

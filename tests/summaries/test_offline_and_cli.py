"""With no endpoint, every sample paper has an extractive summary; ``coolpapers summarize``
fills the cache ahead of readers, offline or from a model."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from cli.summarize import summarize
from crawler.sample import sample_files
from models.db import create_engine, session_factory
from models.settings import Settings
from summaries import SummaryService
from summaries.selection import papers_to_summarize
from tests.conftest import sqlite_url
from tests.indexed import import_files, ingest
from tests.summaries.conftest import announced, record
from tests.summaries.fake_llm import Status
from web.app import create_app


@pytest.fixture(scope="session")
def sample_template(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated database with the bundled sample loaded, made once."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    shutil.copy(migrated_template, path)

    async def load() -> None:
        engine = create_engine(sqlite_url(path))
        try:
            await import_files(session_factory(engine), sample_files())
        finally:
            await engine.dispose()

    asyncio.run(load())
    return path


@pytest.fixture
def offline_settings(
    sample_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    path = tmp_path / "sample.db"
    shutil.copy(sample_template, path)
    for name in ("LLM_BASE_URL", "LLM_MODEL", "ADMIN_TOKEN"):
        monkeypatch.delenv(f"COOLPAPERS_{name}", raising=False)
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", sqlite_url(path))
    monkeypatch.setenv("COOLPAPERS_FULLTEXT", "off")  # no arXiv here: summaries from abstracts
    return Settings(_env_file=None, DATABASE_URL=sqlite_url(path))


def sample_ids(settings: Settings) -> list[str]:
    with sqlite3.connect(settings.sqlite_path) as connection:
        return [r[0] for r in connection.execute("select id from papers where not hidden")]


def summary_rows(settings: Settings) -> list[tuple]:
    with sqlite3.connect(settings.sqlite_path) as connection:
        return connection.execute(
            "select paper_id, language, model, kind, status from summaries"
        ).fetchall()


async def test_every_sample_paper_has_an_extractive_summary(offline_settings) -> None:
    ids = sample_ids(offline_settings)
    assert len(ids) > 100
    engine = create_engine(settings=offline_settings)
    service = SummaryService.from_settings(offline_settings, session_factory(engine))
    try:
        for paper_id in ids:
            lookup = await service.lookup(paper_id, "en")
            assert lookup.summary is not None, paper_id
            assert (lookup.summary.kind, lookup.summary.key) == ("extractive", lookup.key)
            assert lookup.summary.faq[0].answer.startswith("- "), paper_id
    finally:
        await service.aclose()
        await engine.dispose()
    assert len(summary_rows(offline_settings)) == len(ids)


def test_the_api_and_the_page_say_the_summary_is_extractive(offline_settings) -> None:
    ids = sample_ids(offline_settings)[::30]
    with TestClient(create_app(offline_settings)) as client:
        for paper_id in ids:
            response = client.get(f"/api/papers/{paper_id}/summary?lang=zh")
            assert response.status_code == 200, paper_id
            data = response.json()
            assert (data["kind"], data["model"], data["current"]) == (
                "extractive",
                "extractive",
                True,
            )
            assert data["label"].startswith("Extractive summary")
            assert [item["question"] for item in data["faq"]] == ["关键句", "方法", "结果"]
            assert data["faq"][0]["html"].startswith("<ul>")
        client.cookies.clear()  # ?lang= also sets the interface language's cookie
        page = client.get(f"/arxiv/{ids[0]}")
        assert 'class="faq-extractive note"' in page.text
        assert "summaries are extractive" in page.text
        assert 'data-extractive="true"' in page.text
        chinese = client.get(f"/arxiv/{ids[0]}?lang=zh")
        assert "摘要是抽取式的" in chinese.text


def test_the_cli_fills_the_cache_offline(offline_settings) -> None:
    result = CliRunner().invoke(summarize, [])
    assert result.exit_code == 0, result.output
    ids = sample_ids(offline_settings)
    assert f"{2 * len(ids)} of {2 * len(ids)} summaries made by extractive" in result.stdout
    rows = summary_rows(offline_settings)
    assert sorted((r[0], r[1]) for r in rows) == sorted(
        (i, lang) for i in ids for lang in ("en", "zh")
    )
    assert {r[2:] for r in rows} == {("extractive", "extractive", "complete")}

    again = CliRunner().invoke(summarize, ["--lang", "en"])
    assert again.exit_code == 0
    assert "nothing to summarize" in again.stdout


def test_the_cli_rejects_an_unknown_language(offline_settings) -> None:
    result = CliRunner().invoke(summarize, ["--lang", "fr"])
    assert result.exit_code == 1
    assert "unknown language 'fr'" in result.output


@pytest.fixture
def cli_model_env(model_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COOLPAPERS_FULLTEXT", "off")  # no arXiv here: summaries from abstracts
    monkeypatch.setenv("COOLPAPERS_LLM_BASE_URL", model_settings.LLM_BASE_URL)
    monkeypatch.setenv("COOLPAPERS_LLM_MODEL", "fake-model")
    monkeypatch.setenv("COOLPAPERS_LLM_TIMEOUT", "5")
    return model_settings


async def three_papers(sessions) -> None:
    day = dt.date(2024, 3, 4)
    async with sessions.begin() as session:
        await ingest(
            session,
            [
                record("2403.00001", announcement=announced(day, "cs.CL")),
                record("2403.00002", announcement=announced(day, "cs.CL")),
                record(
                    "2403.00003",
                    categories=("cs.LG",),
                    primary_category="cs.LG",
                    announcement=announced(day, "cs.LG"),
                ),
            ],
        )


async def test_the_cli_with_a_model(cli_model_env, sessions, llm, database_path) -> None:
    await three_papers(sessions)
    args = ["--date", "2024-03-04", "--category", "cs.CL", "--lang", "en", "--limit", "1"]
    result = await asyncio.to_thread(CliRunner().invoke, summarize, args)
    assert result.exit_code == 0, result.output
    assert "1 of 1 summaries made by fake-model" in result.stdout
    assert len(llm.calls) == 6

    llm.script.extend([Status(400)])
    result = await asyncio.to_thread(CliRunner().invoke, summarize, args)
    assert result.exit_code == 1
    assert "failed: 2403.00001" in result.output or "failed: 2403.00002" in result.output
    assert "1 of 1 summaries failed" in result.output


async def test_selection_by_day_category_and_cache(sessions) -> None:
    await three_papers(sessions)
    async with sessions() as session:

        async def select(**kwargs) -> list[str]:
            return await papers_to_summarize(session, language="en", model="m", **kwargs)

        assert sorted(await select()) == ["2403.00001", "2403.00002", "2403.00003"]
        assert sorted(await select(category="cs.LG")) == ["2403.00003"]
        day = dt.date(2024, 3, 4)
        assert sorted(await select(day=day, category="cs.CL")) == ["2403.00001", "2403.00002"]
        assert await select(day=dt.date(2024, 3, 1)) != []  # first published that day
        assert await select(day=dt.date(2024, 2, 1)) == []
        assert len(await select(limit=2)) == 2

"""``coolpapers fulltext`` end to end (a subprocess against the fake arXiv) and
``GET /api/papers/<id>/fulltext``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from fulltext.document import FullTextStatus
from fulltext.fetch import FetchConfig
from fulltext.service import fetch_and_store
from tests.fakearxiv import FakeArxiv
from tests.fulltext.conftest import ATTENTION, DELEGATE, FULLTEXT, PASA, add_paper
from tests.fulltext.test_fetch import PAGE_NOT_LATEXML, client_for
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def coolpapers(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(settings, tmp_path):
    with FakeArxiv() as arxiv:
        yield (
            arxiv,
            {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "COOLPAPERS_DATABASE_URL": settings.DATABASE_URL,
                "COOLPAPERS_ARXIV_HTML_BASE": arxiv.url + "/html",
                "COOLPAPERS_ARXIV_PDF_BASE": arxiv.url + "/pdf",
                "COOLPAPERS_MIN_REQUEST_INTERVAL": "0",
                "COOLPAPERS_CONTACT_EMAIL": "ops@example.org",
            },
        )


async def test_fetch_import_and_status(sessions, env, tmp_path):
    arxiv, environment = env
    await add_paper(sessions, DELEGATE)
    await add_paper(sessions, PASA)
    await add_paper(sessions, "2401.00003")
    arxiv.html_pages["2401.00003v1"] = PAGE_NOT_LATEXML

    done = coolpapers(["fulltext", "fetch", DELEGATE, f"{PASA}v1", "2401.00003"], environment)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{DELEGATE}v1: ok (html, 62 sections,")
    assert "94 references, 2 code links, 2 own" in lines[0]
    assert lines[1].startswith(f"{PASA}v1: ok (pdf,")
    assert lines[2].startswith("2401.00003v1: failed (html): ") and "LaTeXML" in lines[2]
    assert "mailto:ops@example.org" in arxiv.seen()[0].headers["user-agent"]

    unknown = coolpapers(["fulltext", "fetch", "2401.09999"], environment)
    assert unknown.returncode == 1
    assert "2401.09999: no paper 2401.09999 in this archive" in unknown.stdout

    await add_paper(sessions, ATTENTION, 7)
    pdf = FULLTEXT / "pdf" / "arxiv_1706.03762v7_attention.pdf"
    imported = coolpapers(["fulltext", "import", str(pdf), "--id", ATTENTION], environment)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith(f"{ATTENTION}v7: ok (pdf, ")
    page = tmp_path / "page.html"
    page.write_bytes(PAGE_NOT_LATEXML)
    refused = coolpapers(["fulltext", "import", str(page), "--id", f"{ATTENTION}v7"], environment)
    assert refused.returncode == 1
    assert "not a LaTeXML rendering" in refused.stderr and "Traceback" not in refused.stderr

    status = coolpapers(["fulltext", "status", "--json"], environment)
    assert status.returncode == 0, status.stderr
    import json

    report = json.loads(status.stdout)
    assert report["by_status"] == {"ok": 3, "failed": 1}
    assert report["by_source"] == {"html": 1, "pdf": 2}
    assert report["recent_failures"][0]["id"] == "2401.00003"
    stats = coolpapers(["stats", "--json"], environment)
    assert json.loads(stats.stdout)["fulltext"]["by_status"] == {"ok": 3, "failed": 1}


@pytest.fixture
def app_settings(settings):
    return settings.model_copy(update={"ADMIN_TOKEN": settings.ADMIN_TOKEN.__class__("s3cret")})


async def test_the_api_shows_the_outline_and_the_text_only_to_the_admin(sessions, app_settings):
    await add_paper(sessions, DELEGATE)
    await add_paper(sessions, PASA)
    with FakeArxiv() as arxiv:
        async with client_for() as client:
            config = FetchConfig(html_base=arxiv.url + "/html", pdf_base=arxiv.url + "/pdf")
            stored = await fetch_and_store(sessions, client, config, DELEGATE)
    assert stored.status == FullTextStatus.OK
    with TestClient(create_app(app_settings)) as web:
        public = web.get(f"/api/papers/{DELEGATE}/fulltext")
        assert public.status_code == 200
        body = public.json()
        assert (body["id"], body["version"], body["source"], body["status"]) == (
            DELEGATE,
            1,
            "html",
            "ok",
        )
        first = body["sections"][0]
        assert first == {
            "anchor": "S1",
            "number": "1",
            "title": "Introduction",
            "level": 1,
            "chars": first["chars"],
        }
        assert len(body["references"]) == 94
        own = {"url": "https://github.com/microsoft/DELEGATE52", "host": "github.com", "own": True}
        assert body["code_links"][0] == own
        assert not [s for s in body["sections"] if "text" in s]
        admin = web.get(
            f"/api/papers/{DELEGATE}v1/fulltext", headers={"Authorization": "Bearer s3cret"}
        )
        assert admin.json()["sections"][0]["text"].startswith("Recent LLM progress")
        wrong = web.get(
            f"/api/papers/{DELEGATE}/fulltext", headers={"Authorization": "Bearer nope"}
        )
        assert "text" not in wrong.json()["sections"][0]
        never = web.get(f"/api/papers/{PASA}/fulltext")
        assert never.status_code == 404 and "never fetched" in never.json()["error"]
        unknown = web.get("/api/papers/2401.09999/fulltext")
        assert unknown.status_code == 404 and "no paper" in unknown.json()["error"]
        assert web.get("/api/papers/nonsense!/fulltext").status_code == 404
        spec = web.get("/api/openapi.json").json()
        assert "/api/papers/{arxiv_id}/fulltext" in spec["paths"]

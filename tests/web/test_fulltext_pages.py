"""What the site shows of stored full texts: the paper page's contents, counts and arXiv
references (never the text), [Code] links on lists and paper pages, ?has=code, and the API."""

from __future__ import annotations

import asyncio
import re

import pytest

from fulltext import store as fulltext_store
from fulltext.document import CodeLink, FullText, FullTextStatus, Reference
from models.db import create_engine, session_factory
from tests.summaries.fulltexts import CITED_CODE, DOCUMENT, OWN_CODE, store_full_text
from tests.web.data import MATH_ID, XSS_ID

HELD = "2411.10002"  # a paper of the test archive
ELSEWHERE = "2004.05150"
PAPER_TEXT = FullText(
    "html",
    DOCUMENT.sections,
    (
        Reference(f"A. Author. A paper held here. arXiv:{HELD}", arxiv_id=HELD),
        Reference(f"I. Beltagy et al. Longformer. arXiv:{ELSEWHERE}", arxiv_id=ELSEWHERE),
        Reference("A. Vaswani et al. Attention is all you need. NeurIPS 2017."),
        Reference(f"Longformer again, arXiv:{ELSEWHERE}", arxiv_id=ELSEWHERE),
    ),
    figures=3,
    tables=2,
)


def store(settings, paper_id: str, document: FullText | None, links=()) -> None:
    async def run() -> None:
        engine = create_engine(settings=settings)
        try:
            sessions = session_factory(engine)
            if document is None:  # fetched, no document (e.g. failed), maybe code links
                async with sessions.begin() as session:
                    await fulltext_store.save(
                        session, paper_id, 1, FullTextStatus.FAILED, code_links=links
                    )
            else:
                await store_full_text(sessions, paper_id, 1, document, tuple(links))
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture
def stored(filled_settings):
    store(filled_settings, MATH_ID, PAPER_TEXT, (CITED_CODE, OWN_CODE))
    return filled_settings


def test_the_paper_page_shows_the_contents_counts_and_arxiv_references(stored, client):
    html = client.get(f"/arxiv/{MATH_ID}").text
    contents = html.split("data-contents>")[1].split("</section>")[0]
    toc = re.findall(r'<li class="toc-level-(\d)"><a href="([^"]+)"[^>]*>(.*?)</a>', contents)
    base = f"https://arxiv.org/html/{MATH_ID}v1"
    assert [(level, href) for level, href, _ in toc] == [
        ("1", f"{base}#S1"),
        ("1", f"{base}#S2"),
        ("1", f"{base}#S3"),
        ("2", f"{base}#S3.SS1"),
        ("2", f"{base}#S3.SS2"),
        ("1", f"{base}#S4"),
        ("2", f"{base}#S4.SS1"),
        ("1", f"{base}#S5"),
        ("1", f"{base}#A1"),
    ]
    assert '<span class="toc-number">3.1</span> A low-rank gate' in toc[3][2]
    assert "3 figures" in contents and "2 tables" in contents and "4 references" in contents
    # arXiv references, each once: the one held here links to its page, the other to arXiv.
    assert f'<a href="/arxiv/{HELD}" class="reference-local">{HELD}</a>' in contents
    assert (
        f'<a href="https://arxiv.org/abs/{ELSEWHERE}" class="reference-arxiv">{ELSEWHERE}</a>'
    ) in contents
    assert contents.count(f">{ELSEWHERE}</a>") == 1
    assert "Vaswani" not in contents  # not on arXiv
    # Never the text of the sections.
    for section in DOCUMENT.sections:
        for sentence in section.text.split("\n\n"):
            assert sentence[:40] not in html
    # The paper's own code, though a cited one comes first.
    assert f'<a class="link-code" href="{OWN_CODE.url}"' in html


def test_the_html_base_of_the_contents_is_a_setting(stored):
    from starlette.testclient import TestClient

    from web.app import create_app

    settings = stored.model_copy(update={"ARXIV_HTML_BASE": "http://mirror.test/html"})
    with TestClient(create_app(settings)) as client:
        html = client.get(f"/arxiv/{MATH_ID}?lang=zh").text
    assert f'href="http://mirror.test/html/{MATH_ID}v1#S3.SS1"' in html
    assert "目录" in html and "arXiv 上的参考文献" in html


def test_without_a_full_text_the_page_is_as_before(filled_settings, client):
    store(filled_settings, XSS_ID, None, ())
    for paper_id in (MATH_ID, XSS_ID):
        html = client.get(f"/arxiv/{paper_id}").text
        assert "data-contents" not in html and "link-code" not in html


def code_links_on(html: str) -> dict[str, str]:
    found = {}
    for article in html.split('<article class="paper')[1:]:
        paper_id = re.search(r'data-id="([^"]+)"', article).group(1)
        link = re.search(r'<a class="link-code" href="([^"]+)"', article)
        if link:
            found[paper_id] = link.group(1)
    return found


def toggle(html: str) -> str:
    return re.search(r'class="has-code-toggle" data-has-code href="([^"]*)"', html).group(1)


def ids_on(html: str) -> list[str]:
    return re.findall(r'<article class="paper[^"]*" id="([^"]+)"', html)


def test_lists_show_code_links_and_keep_only_papers_with_code(stored, client):
    store(stored, XSS_ID, None, (CodeLink("https://gitlab.com/x/y", "gitlab.com"),))
    html = client.get("/arxiv/cs.AI").text
    assert code_links_on(html) == {MATH_ID: OWN_CODE.url, XSS_ID: "https://gitlab.com/x/y"}
    assert len(ids_on(html)) == 5
    assert 'href="/arxiv/cs.AI?has=code"' in html and "2 with code" in html

    only = client.get("/arxiv/cs.AI?has=code").text
    assert ids_on(only) == [MATH_ID, XSS_ID]
    assert toggle(only) == "/arxiv/cs.AI" and toggle(html) == "/arxiv/cs.AI?has=code"
    assert 'name="has" value="code"' in only  # kept by the date and keyword forms
    # The filter is part of the cache key: each URL keeps its own page.
    assert ids_on(client.get("/arxiv/cs.AI").text) == ids_on(html)
    assert ids_on(client.get("/arxiv/cs.AI?has=code").text) == [MATH_ID, XSS_ID]
    # With other parameters, the toggle keeps them.
    typed = client.get("/arxiv/cs.AI?types=new&has=code").text
    assert toggle(typed) == "/arxiv/cs.AI?types=new"

    response = client.get("/arxiv/cs.AI?has=nothing")
    assert response.status_code == 400 and "has must be one of code" in response.text


def test_the_api_gives_code_links(stored, client):
    data = client.get(f"/api/papers/{MATH_ID}").json()
    assert data["code_links"] == [
        {"url": CITED_CODE.url, "host": "github.com", "own": False},
        {"url": OWN_CODE.url, "host": "github.com", "own": True},
    ]
    assert client.get(f"/api/papers/{XSS_ID}").json()["code_links"] == []
    many = client.get(f"/api/papers?ids={MATH_ID},{XSS_ID}").json()["papers"]
    assert [len(p["code_links"]) for p in many] == [2, 0]
    listed = client.get("/api/list/cs.AI?has=code").json()
    assert [p["id"] for p in listed["papers"]] == [MATH_ID]
    assert listed["papers"][0]["code_url"] == OWN_CODE.url and listed["with_code"] == 1
    assert client.get("/api/list/cs.AI?has=x").status_code == 400

"""Full texts in a real Chromium: FAQ answers whose [§n] citations are links into arXiv's
HTML (while streaming and once complete), the paper's [Code] link on its page and in its
list, and the table of contents of the paper page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.db import create_engine, session_factory
from models.settings import Settings
from tests.indexed import ingest
from tests.summaries.conftest import clock, llm, model_settings, record, serve_site  # noqa: F401
from tests.summaries.fulltexts import OWN_CODE, store_full_text
from tests.summaries.test_browser import open_site
from tests.summaries.test_fulltext import cited_answer

pytestmark = pytest.mark.browser

PAGE = "/arxiv/2403.00001"
HTML = "https://arxiv.org/html/2403.00001v1"


def add_paper_with_full_text(settings: Settings) -> None:
    """In a thread of its own: Playwright's loop runs in this one."""

    async def go() -> None:
        engine = create_engine(settings=settings)
        try:
            sessions = session_factory(engine)
            async with sessions.begin() as session:
                await ingest(session, [record(), record("2403.00002", title="No code here")])
            await store_full_text(sessions)
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, go()).result()


@pytest.fixture
def site(model_settings: Settings, clock, llm) -> Iterator[str]:  # noqa: F811
    add_paper_with_full_text(model_settings)
    llm.answer = cited_answer
    served = serve_site(model_settings, clock)
    try:
        yield served.url
    finally:
        served.stop()


def test_faq_citations_are_links_to_the_sections(browser, site, llm) -> None:  # noqa: F811
    errors: list[str] = []
    context, page, outside = open_site(browser, site, errors)
    page.goto(PAGE)
    page.wait_for_selector("[data-faq][data-state='none']")
    llm.hold(from_call=1)  # the first answer completes, the second waits
    page.click("[data-faq-generate]")
    page.wait_for_selector(".faq-item:nth-child(2) .faq-streaming", state="attached")
    streamed = page.locator(".faq-item").first.locator("a.cite")
    assert streamed.count() == 3  # the finished answer, while the next one is awaited
    assert streamed.first.get_attribute("href") == f"{HTML}#S3.SS1"

    llm.release()
    page.wait_for_selector("[data-faq][data-state='complete']")
    panel = page.locator("[data-faq]")
    assert panel.locator(".faq-answer a.cite").count() == 18
    first = panel.locator(".faq-answer").first
    cites = first.locator("a.cite")
    assert [cites.nth(i).inner_text() for i in range(3)] == ["§3.1", "§3.2", "§4.1"]
    assert cites.nth(1).get_attribute("href") == f"{HTML}#S3.SS2"
    assert cites.nth(1).get_attribute("title") == "Cost of mixing"
    assert "[§9]" in first.inner_text()  # an unknown section stays text
    assert panel.locator("[data-faq-label]").inner_text() == (
        "Answers by fake-model from the full text of v1."
    )
    assert panel.get_attribute("data-source") == "full-text"
    context.close()
    assert errors == [] and outside == []


def test_code_link_and_table_of_contents(browser, site) -> None:
    errors: list[str] = []
    context, page, outside = open_site(browser, site, errors)
    page.goto(PAGE)
    code = page.locator("article.paper-page a.link-code")
    assert code.inner_text() == "[Code]" and code.get_attribute("href") == OWN_CODE.url
    toc = page.locator("[data-contents] .toc a")
    assert toc.count() == 9
    assert toc.nth(3).inner_text() == "3.1 A low-rank gate"
    assert toc.nth(3).get_attribute("href") == f"{HTML}#S3.SS1"
    sub, top = page.locator(".toc-level-2").first, page.locator(".toc-level-1").first
    assert sub.bounding_box()["x"] > top.bounding_box()["x"]  # subsections are indented
    refs = page.locator(".arxiv-references a")
    assert refs.count() == 2 and refs.first.get_attribute("href") == (
        "https://arxiv.org/abs/2004.05150"
    )

    page.goto("/arxiv/cs.CL")
    assert page.locator("article.paper").count() == 2
    assert page.locator("article.paper a.link-code").count() == 1
    assert page.locator("article.paper a.link-code").get_attribute("href") == OWN_CODE.url
    page.click("[data-has-code]")
    page.wait_for_url("**has=code**")
    assert page.locator("article.paper").count() == 1
    assert page.locator("article.paper").get_attribute("id") == "2403.00001"
    context.close()
    assert errors == [] and outside == []

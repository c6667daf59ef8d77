"""The FAQ panel in a real Chromium: a summary streams into the paper page and ends as
rendered Markdown with MathML; failures show a message and a way to try again; a second
reader joins the generation in progress; offline, the page says the summary is extractive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.db import create_engine, session_factory
from models.settings import Settings
from tests.browser.conftest import launch_chromium
from tests.indexed import ingest
from tests.summaries.conftest import record, serve_site
from tests.summaries.fake_llm import Pause, Status

pytestmark = pytest.mark.browser

PAGE = "/arxiv/2403.00001"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


def open_site(browser, url: str, errors: list[str]):
    context = browser.new_context(base_url=url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    outside: list[str] = []
    context.route(
        lambda u: not u.startswith(url),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    watch(page, errors)
    return context, page, outside


def watch(page, errors: list[str]) -> None:
    """Collect the page's errors, but for the 404 that says "no summary yet" (the API's
    answer, which Chromium logs as a failed resource)."""

    def on_console(message) -> None:
        url = message.location.get("url", "")
        expected = "status of 404" in message.text and "/summary?lang=" in url
        if message.type == "error" and not expected:
            errors.append(f"{message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(str(e)))


def add_paper(settings: Settings) -> None:
    """Ingest the test paper. In a thread of its own: Playwright's loop runs in this one."""

    async def go() -> None:
        engine = create_engine(settings=settings)
        try:
            async with session_factory(engine).begin() as session:
                await ingest(session, [record()])
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, go()).result()


@pytest.fixture
def paper(settings: Settings) -> str:
    add_paper(settings)
    return "2403.00001"


@pytest.fixture
def site(model_settings: Settings, clock, paper) -> Iterator[str]:
    served = serve_site(model_settings, clock)
    try:
        yield served.url
    finally:
        served.stop()


def test_a_summary_streams_into_the_page_and_renders(browser, site, llm) -> None:
    errors: list[str] = []
    context, page, outside = open_site(browser, site, errors)
    page.goto(PAGE)
    panel = page.locator("[data-faq]")
    page.wait_for_selector("[data-faq][data-state='none']")
    assert panel.locator("[data-faq-status]").inner_text() == "No FAQ yet."

    llm.script.append(Pause(after=3))  # the first answer stops after three pieces
    page.click("[data-faq-generate]")
    partial = "**Answer 1** to _What"  # three pieces of seven characters, as plain text
    page.wait_for_function(
        "text => document.querySelector('.faq-answer.faq-streaming')?.textContent === text",
        arg=partial,
    )
    assert panel.locator("[data-faq-status]").inner_text() == "Generating: question 1 of 6"

    llm.release()
    page.wait_for_selector("[data-faq][data-state='complete']")
    assert panel.locator(".faq-item").count() == 6
    assert panel.locator(".faq-streaming").count() == 0
    first = panel.locator(".faq-answer").first
    assert first.locator("strong").inner_text() == "Answer 1"
    assert first.locator("em").inner_text() == "What problem does this paper try to solve?"
    math = first.locator("math")
    assert math.count() == 1 and math.locator("msubsup").count() == 1
    box = math.bounding_box()
    assert box is not None and box["width"] > 10 and box["height"] > 5
    assert panel.locator(".faq-answer math").count() == 6
    assert "$" not in panel.locator("[data-faq-body]").inner_text()
    label = panel.locator("[data-faq-label]").inner_text()
    assert label == "Answers by fake-model from the title and abstract of v1."
    assert len(llm.calls) == 6

    page.reload()  # the cached summary, at once
    page.wait_for_selector("[data-faq][data-state='complete']")
    assert panel.locator(".faq-answer math").count() == 6
    assert len(llm.calls) == 6
    context.close()
    assert errors == [] and outside == []


def test_a_second_reader_joins_the_generation(browser, site, llm) -> None:
    errors: list[str] = []
    context, first, _ = open_site(browser, site, errors)
    first.goto(PAGE)
    llm.hold(from_call=1)
    first.click("[data-faq-generate]")
    first.wait_for_selector(".faq-item:nth-child(2) .faq-streaming", state="attached")  # held

    second = context.new_page()
    watch(second, errors)
    second.goto(PAGE)  # arrives while the summary is being made: joins it
    second.wait_for_selector("[data-faq][data-state='streaming']")
    second.wait_for_selector(".faq-item:nth-child(2)")
    assert second.locator(".faq-answer strong").first.inner_text() == "Answer 1"

    llm.release()
    for page in (first, second):
        page.wait_for_selector("[data-faq][data-state='complete']")
        assert page.locator(".faq-item").count() == 6
    assert len(llm.calls) == 6
    context.close()
    assert errors == []


def test_a_model_failure_is_shown_with_a_way_to_try_again(browser, site, llm) -> None:
    errors: list[str] = []
    context, page, _ = open_site(browser, site, errors)
    page.goto(PAGE)
    llm.script.extend([Status(500)] * 4)
    page.click("[data-faq-generate]")
    page.wait_for_selector("[data-faq][data-state='failed']")
    status = page.locator("[data-faq-status]")
    assert status.inner_text() == (
        "The language model did not answer (HTTP 500), 4 attempts; please try again later."
    )
    assert "faq-error" in (status.get_attribute("class") or "")
    button = page.locator("[data-faq-generate]")
    assert button.is_visible() and button.inner_text() == "Try again"

    page.reload()  # the failure is remembered, not a spinner
    page.wait_for_selector("[data-faq][data-state='failed']")
    page.click("[data-faq-generate]")
    page.wait_for_selector("[data-faq][data-state='complete']")
    assert page.locator(".faq-item").count() == 6
    context.close()
    assert errors == []


def test_offline_the_page_shows_an_extractive_summary(browser, settings, clock, paper) -> None:
    served = serve_site(settings, clock)  # no endpoint configured
    errors: list[str] = []
    try:
        context, page, outside = open_site(browser, served.url, errors)
        page.goto(PAGE)
        note = page.locator(".faq-extractive")
        assert "summaries are extractive" in note.inner_text()
        page.wait_for_selector("[data-faq][data-state='complete']")
        # The note says it once: no second label under the answers.
        assert page.locator("[data-faq][data-kind='extractive']").count() == 1
        assert not page.locator("[data-faq-label]").is_visible()
        assert page.locator(".faq-question").all_inner_texts() == [
            "Key sentences",
            "Method",
            "Result",
        ]
        assert page.locator(".faq-answer li").count() >= 3
        assert page.locator(".faq-answer math").count() >= 1  # $O(n \log n)$ of the abstract
        assert not page.locator("[data-faq-generate]").is_visible()

        page.click("[data-faq-language='zh']")
        page.locator(".faq-question", has_text="关键句").wait_for()
        assert page.locator(".faq-question").all_inner_texts() == ["关键句", "方法", "结果"]
        context.close()
    finally:
        served.stop()
    assert errors == [] and outside == []

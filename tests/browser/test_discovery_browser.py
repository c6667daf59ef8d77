"""Discovery in the browser: "for you" ordering a list by the stars, the topic view, a star
counted once per browser and day, and a paper page's related papers filled in when the site
served it before their vectors were built."""

from __future__ import annotations

import asyncio
import re
import shutil
import threading

import pytest

from models.settings import Settings
from tests.browser.conftest import ServerThread
from tests.web.data import MATH_ID, fill
from tests.web.test_related_vectors import GatedBuild
from web.app import create_app

pytestmark = pytest.mark.browser


def entry_ids(page) -> list[str]:
    return page.locator("article.paper[data-id]").evaluate_all("n => n.map(a => a.dataset.id)")


def test_for_you_orders_the_list_by_the_stars_and_back(page, console):
    page.goto("/arxiv/cs.AI")
    tools = page.locator("[data-for-you]")
    tools.wait_for()
    toggle = tools.locator("[data-for-you-toggle]")
    toggle.click()  # no stars yet: it says so and the order stays
    assert "No stars yet" in tools.locator("[data-for-you-terms]").inner_text()
    before = entry_ids(page)
    assert len(before) >= 3
    last = page.locator(f"article[data-id='{before[-1]}']")
    last.locator("[data-star]").click()
    with page.expect_response("**/api/foryou") as answer:
        toggle.click()
    assert answer.value.ok
    page.wait_for_function(
        "() => document.querySelector('[data-for-you-toggle]').getAttribute('aria-pressed')"
        " === 'true'"
    )
    after = entry_ids(page)
    assert sorted(after) == sorted(before)
    assert after[0] == before[-1]  # the starred paper is the most like the stars
    note = tools.locator("[data-for-you-terms]").inner_text()
    assert note.startswith("Ordered by your stars")
    assert page.locator("article.paper[data-id]").first.locator(".entry-number").count() == 1
    toggle.click()  # back to the page's order
    assert entry_ids(page) == before
    assert toggle.get_attribute("aria-pressed") == "false"
    assert console.errors == []


def test_the_topic_view_and_back(page, console):
    page.goto("/arxiv/cs.AI")
    listed = entry_ids(page)
    page.locator("[data-view='topics']").click()
    page.wait_for_url(re.compile(r"view=topics"))
    topics = page.locator("[data-topic]")
    assert topics.count() >= 1
    sizes = [int(t) for t in page.locator(".topic-size").all_inner_texts()]
    assert sum(sizes) == len(listed)
    assert sorted(entry_ids(page)) == sorted(listed)
    first = topics.first.locator("article.paper[data-id]").first
    first.locator("[data-faq-open]").click()  # reading in place works in the topic view too
    first.locator(".faq-panel").wait_for()
    page.locator("[data-view='list']").click()
    page.wait_for_url(re.compile(r"/arxiv/cs\.AI$"))
    assert entry_ids(page) == listed
    assert console.errors == []


def top_count(page, paper_id: str) -> int:
    page.goto("/arxiv/cs.AI/top?window=day")
    row = page.locator(f"[data-popular='{paper_id}'] .popular-total")
    return int(row.inner_text()) if row.count() else 0


def test_a_star_counts_once_per_browser_and_day(new_context, console):
    page = new_context().new_page()
    console.attach(page)
    page.goto("/arxiv/cs.AI")
    paper_id = entry_ids(page)[1]
    before = top_count(page, paper_id)
    page.goto("/arxiv/cs.AI")
    star = page.locator(f"article[data-id='{paper_id}'] [data-star]")
    with page.expect_response("**/api/events") as first:
        star.click()
    assert first.value.status == 202 and first.value.json() == {"counted": True}
    star.click()  # unstarred: nothing is sent
    with page.expect_response("**/api/events") as again:
        star.click()
    assert again.value.json() == {"counted": False}
    assert top_count(page, paper_id) == before + 1
    other = new_context().new_page()  # another browser counts too
    other.goto("/arxiv/cs.AI")
    with other.expect_response("**/api/events") as theirs:
        other.locator(f"article[data-id='{paper_id}'] [data-star]").click()
    assert theirs.value.json() == {"counted": True}
    assert top_count(page, paper_id) == before + 2
    assert console.errors == []


def test_for_you_on_the_starred_page(page, console):
    page.goto("/arxiv/cs.AI")
    listed = entry_ids(page)
    for paper_id in listed[:2]:
        page.locator(f"article[data-id='{paper_id}'] [data-star]").click()
    page.goto("/starred")
    page.locator(f"article[data-id='{listed[1]}']").wait_for()
    with page.expect_response("**/api/foryou") as answer:
        page.locator("[data-for-you-toggle]").click()
    assert answer.value.ok
    assert sorted(r["id"] for r in answer.value.json()["ranked"]) == sorted(listed[:2])
    page.wait_for_function(
        "() => document.querySelector('[data-for-you-toggle]').getAttribute('aria-pressed')"
        " === 'true'"
    )
    assert sorted(entry_ids(page)) == sorted(listed[:2])
    assert console.errors == []


def test_related_papers_come_in_once_their_vectors_are_built(
    browser, migrated_template, tmp_path, console
):
    path = tmp_path / "site.db"
    shutil.copy(migrated_template, path)
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    # Playwright's synchronous API runs an event loop in this thread: the data go in from another.
    filling = threading.Thread(target=asyncio.run, args=(fill(settings),))
    filling.start()
    filling.join()
    app = create_app(settings)
    build = GatedBuild(hold_from=1)  # a site just started, its vectors still building
    app.state.alike.build = build
    try:
        with ServerThread(app) as url:
            context = browser.new_context(base_url=url)
            context.set_default_timeout(10_000)
            page = context.new_page()
            console.attach(page)
            page.goto(f"/arxiv/{MATH_ID}")
            section = page.locator("section[data-related]")
            assert section.get_attribute("aria-busy") == "true"
            assert "Finding related papers" in section.inner_text()
            build.gate.set()
            page.locator("section[data-related][data-loaded] .related-list li").first.wait_for()
            assert section.get_attribute("aria-busy") == "false"
            assert "Finding related papers" not in section.inner_text()
            assert section.locator("h2").count() == 1
            context.close()
    finally:
        build.gate.set()
    assert console.errors == []

"""Reading inside a list: [FAQ] and [Related] in place, the keys, the seen papers."""

from __future__ import annotations

import pytest

from tests.web.data import MATH_ID

pytestmark = pytest.mark.browser


def test_faq_and_related_open_in_place(page, console):
    page.goto("/arxiv/cs.AI")
    entry = page.locator(f"article[data-id='{MATH_ID}']")
    entry.locator("[data-faq-open]").click()
    panel = entry.locator(".faq-panel[data-faq]")
    assert panel.get_attribute("data-paper") == MATH_ID
    # offline, the extractive FAQ is there at once: answers in place, the page unchanged
    panel.locator(".faq-item").first.wait_for()
    assert page.url.endswith("/arxiv/cs.AI")
    entry.locator("[data-related-open]").click()
    related = entry.locator(".related-inline[data-loaded='true']")
    related.wait_for()
    assert related.locator("li, .empty").count() >= 1
    entry.locator("[data-related-open]").click()  # closes it again
    assert related.is_hidden()
    assert console.errors == []


def test_keys_move_star_and_open_panels(page, console):
    page.goto("/arxiv/cs.AI")
    first = page.locator("article.paper[data-id]").first
    second = page.locator("article.paper[data-id]").nth(1)
    assert first.locator(".entry-number").inner_text().strip() == "1."
    page.keyboard.press("j")
    assert "current" in first.get_attribute("class")
    page.keyboard.press("s")
    assert "starred" in first.get_attribute("class")
    page.keyboard.press("x")
    assert "read" in first.get_attribute("class").split()
    page.keyboard.press("f")
    first.locator(".faq-panel").wait_for()
    page.keyboard.press("r")
    first.locator(".related-inline").wait_for()
    page.keyboard.press("j")
    assert "current" in second.get_attribute("class")
    assert "current" not in first.get_attribute("class")
    seen = page.evaluate("JSON.parse(localStorage.getItem('coolpapers:seen') || '{}')")
    assert first.get_attribute("data-id") in seen  # moved past with j
    page.keyboard.press("k")
    assert "current" in first.get_attribute("class")
    href = first.locator(".title a").get_attribute("href")
    page.keyboard.press("o")
    page.wait_for_url("**" + href)
    assert console.errors == []


def test_seen_papers_and_the_toggles(page, console):
    page.set_viewport_size({"width": 800, "height": 300})
    page.goto("/arxiv/cs.AI")
    ids = page.locator("article.paper[data-id]").evaluate_all("n => n.map(a => a.dataset.id)")
    assert len(ids) >= 2
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.locator(f"article.seen[data-id='{ids[0]}']").wait_for(state="attached")
    seen = page.evaluate("Object.keys(JSON.parse(localStorage.getItem('coolpapers:seen')))")
    assert ids[0] in seen
    # seen across lists: another list with the same paper knows it
    page.goto("/arxiv/cs.AI,cs.LG")
    assert "seen" in page.locator(f"article[data-id='{ids[0]}']").get_attribute("class")
    page.locator("[data-seen-toggle='unseen-only']").check()
    assert page.locator(f"article[data-id='{ids[0]}']").is_hidden()
    page.reload()
    assert page.locator("[data-seen-toggle='unseen-only']").is_checked()
    assert page.locator(f"article[data-id='{ids[0]}']").is_hidden()
    page.locator("[data-seen-toggle='unseen-only']").uncheck()
    page.locator("[data-seen-toggle='hide-seen']").check()
    folded = page.locator(f"article[data-id='{ids[0]}']")
    assert folded.is_visible() and folded.locator(".abstract").is_hidden()
    # the home page counts the unseen papers of the categories followed
    page.goto("/")
    page.locator("[data-unseen-of='cs.AI']").wait_for()
    assert "unseen" in page.locator("[data-unseen-of='cs.AI']").inner_text()
    assert console.errors == []

"""Hostile titles, abstracts and starred entries in a real Chromium: nothing they smuggle
becomes an element, runs, or moves the page elsewhere."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from models.settings import Settings
from tests.browser.conftest import ServerThread
from tests.web.hostile_text import PAYLOADS
from tests.web.test_hostile_pages import CATEGORY, fill_hostile, hostile_id
from web.app import create_app

pytestmark = pytest.mark.browser

# Elements and attributes no part of these pages has of its own.
INJECTED = """() => {
  const found = [];
  const selector = "article img, article iframe, article svg, article object, article embed,"
    + " article style, article script, article form, article a[href^='javascript'],"
    + " meta[http-equiv], base";
  document.querySelectorAll(selector).forEach(n => found.push(n.outerHTML.slice(0, 80)));
  document.querySelectorAll("*").forEach(n => {
    for (const a of n.attributes) {
      if (a.name.startsWith("on")) found.push(n.localName + " " + a.name);
    }
  });
  return found;
}"""


@pytest.fixture(scope="module")
def hostile_site(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: Path
) -> Iterator[str]:
    path = tmp_path_factory.mktemp("hostile") / "site.db"
    shutil.copy(migrated_template, path)
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(asyncio.run, fill_hostile(settings)).result()
    with ServerThread(create_app(settings)) as url:
        yield url


@pytest.fixture
def hostile_page(browser, hostile_site: str):
    outside: list[str] = []
    context = browser.new_context(base_url=hostile_site)
    context.set_default_timeout(10_000)
    context.route(
        lambda url: not url.startswith(hostile_site),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    page.navigations = []
    page.on(
        "framenavigated",
        lambda frame: frame == page.main_frame and page.navigations.append(frame.url),
    )
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()
    assert outside == [], f"requests left the site: {outside}"


def settle_and_check(page, url: str) -> None:
    """No injected element, no script run, no dialog, and no navigation after the load."""
    page.navigations.clear()
    # A refresh or a script from the text would act right after the load: give it time.
    page.wait_for_timeout(1000)
    assert page.evaluate(INJECTED) == []
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    assert page.navigations == [] and page.url == url


def test_hostile_titles_and_abstracts_are_inert(hostile_page, hostile_site) -> None:
    page = hostile_page
    for path in (f"/arxiv/{CATEGORY}", f"/arxiv/{hostile_id(9)}", f"/arxiv/{hostile_id(3)}"):
        page.goto(path)
        settle_and_check(page, hostile_site + path)
    page.goto(f"/arxiv/{CATEGORY}")
    title = page.locator(f"article[data-id='{hostile_id(1)}'] .title").inner_text()
    assert "onerror" in title  # the payload is shown as text
    assert page.locator(f"article[data-id='{hostile_id(0)}'] math").count() >= 2


def test_starred_page_builds_entries_from_allowed_nodes_only(hostile_page, hostile_site) -> None:
    page = hostile_page
    page.goto(f"/arxiv/{CATEGORY}")
    for i in (0, 1, 9):
        page.click(f"article[data-id='{hostile_id(i)}'] [data-star]")
    # Even should the API hand over raw markup, the page rebuilds it from allowed nodes.
    raw = {
        "papers": [
            {
                "id": hostile_id(9),
                "title": "raw",
                "title_html": '<math><mi class="x">q</mi></math>' + "".join(PAYLOADS),
                "abstract_html": '<meta http-equiv="refresh" content="0;url=/?moved=1">'
                + "<span class=tex>$x$</span>"
                + "".join(PAYLOADS),
                "authors": ["Ada"],
                "categories": [CATEGORY],
                "primary_category": CATEGORY,
                "published": "2024-11-27T18:00:00Z",
                "pdf_url": "https://arxiv.org/pdf/x",
                "abs_url": "https://arxiv.org/abs/x",
            }
        ]
    }
    page.route(
        "**/api/papers?*",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(raw)
        ),
    )
    page.goto("/starred")
    page.wait_for_selector("[data-starred-list][data-loaded]")
    settle_and_check(page, hostile_site + "/starred")
    entry = page.locator(f"article[data-id='{hostile_id(9)}']")
    assert entry.locator(".title math mi").count() == 1
    assert entry.locator(".abstract span.tex").inner_text() == "$x$"
    assert "window.__xss=1" in entry.locator(".title").inner_text()  # the script, as text


def test_starred_page_with_the_real_api(hostile_page, hostile_site) -> None:
    page = hostile_page
    page.goto(f"/arxiv/{CATEGORY}")
    for i in range(len(PAYLOADS)):
        page.click(f"article[data-id='{hostile_id(i)}'] [data-star]")
    page.goto("/starred")
    page.wait_for_selector("[data-starred-list][data-loaded]")
    settle_and_check(page, hostile_site + "/starred")
    assert page.locator("article.paper").count() == len(PAYLOADS)

"""The venue branch in a real Chromium: a venue list with its filters, keyword bar and [FAQ] in
place, a venue paper and its arXiv version, the venue feed, search across both branches."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import feedparser
import pytest

from models.settings import Settings
from tests.browser.conftest import ServerThread
from tests.venues.conftest import fill_venues
from web.app import create_app

pytestmark = pytest.mark.browser

MAGE = "acl:2024.acl-long.3"  # ACL 2024's third paper, also on arXiv as 2305.13242
TWIN = "2305.13242"


@pytest.fixture(scope="module")
def venue_url(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Iterator[str]:
    path = tmp_path_factory.mktemp("venues") / "site.db"
    shutil.copy(migrated_template, path)
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{path}", FULLTEXT="off")
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        pool.submit(asyncio.run, fill_venues(settings)).result()
    with ServerThread(create_app(settings)) as url:
        yield url


@pytest.fixture
def venue_page(browser, venue_url: str, console):
    context = browser.new_context(base_url=venue_url)
    page = context.new_page()
    console.attach(page)
    yield page
    context.close()


def listed_ids(page) -> list[str]:
    return page.locator("article.paper[data-id]:visible").evaluate_all(
        "nodes => nodes.map(n => n.dataset.id)"
    )


def test_a_venue_list_filters_by_track_and_keywords(venue_page, console) -> None:
    page = venue_page
    page.goto("/venue/COLT.2024")
    assert len(listed_ids(page)) == 20
    page.click("[data-track='Open Problems']")
    page.wait_for_url(re.compile(r"track=Open\+Problems"))
    ids = listed_ids(page)
    assert len(ids) == 2
    title = page.locator("article.paper .title a").first.inner_text()
    word = max(re.findall(r"[A-Za-z]{5,}", title), key=len)
    page.click("details[data-keyword-bar] > summary")
    page.fill("textarea[name=include]", word)
    page.check("input[name=only]")
    page.click("form[data-keyword-form] button[type=submit]")
    page.wait_for_url(re.compile(r"include="))
    assert "track=Open+Problems" in page.url
    assert 1 <= len(listed_ids(page)) <= 2
    assert page.locator("article.paper.match mark").count() >= 1
    # the reading tools: numbers and stars
    first = page.locator("article.paper[data-id]").first
    assert first.locator(".entry-number").inner_text().strip() == "1."
    first.locator("[data-star]").click()
    assert "starred" in (first.get_attribute("class") or "")
    assert console.errors == []


def test_the_arxiv_filter_of_a_venue_list(venue_page) -> None:
    page = venue_page
    page.goto("/venue/ACL.2024")
    page.click("[data-arxiv='only']")
    page.wait_for_url(re.compile(r"arxiv=only"))
    assert listed_ids(page) == [MAGE]
    page.click("[data-arxiv='hide']")
    page.wait_for_url(re.compile(r"arxiv=hide"))
    assert len(listed_ids(page)) == 29 and MAGE not in listed_ids(page)


def test_faq_and_related_open_in_place_on_a_venue_list(venue_page, console) -> None:
    page = venue_page
    page.goto("/venue/COLT.2024")
    entry = page.locator("article.paper[data-id]").first
    paper_id = entry.get_attribute("data-id")
    assert paper_id and paper_id.startswith("pmlr:v247/")
    entry.locator("[data-faq-open]").click()
    panel = entry.locator(".faq-panel[data-faq]")
    assert panel.get_attribute("data-paper") == paper_id
    panel.locator(".faq-item").first.wait_for()  # offline: the extractive FAQ at once
    assert page.url.endswith("/venue/COLT.2024")
    entry.locator("[data-related-open]").click()
    related = entry.locator(".related-inline[data-loaded='true']")
    related.wait_for()
    links = related.locator("a").evaluate_all("nodes => nodes.map(n => n.getAttribute('href'))")
    assert links and all(href.startswith(("/venue/", "/arxiv/")) for href in links)
    assert console.errors == []


def test_a_venue_paper_page_its_faq_and_its_arxiv_version(venue_page, console) -> None:
    page = venue_page
    page.goto(f"/venue/{MAGE}")
    page.locator(".faq-panel .faq-item").first.wait_for()
    page.click(".arxiv-version a.link-arxiv")
    page.wait_for_url(f"**/arxiv/{TWIN}")
    back = page.locator("a.venue-version")
    assert back.inner_text().startswith("ACL.2024")
    back.click()
    page.wait_for_url(f"**/venue/{MAGE}")
    assert console.errors == []


def test_the_venue_feed(venue_page) -> None:
    response = venue_page.request.get("/venue/COLT.2024/feed")
    assert response.ok
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert len(feed.entries) == 20
    assert feed.entries[0].link.split("/venue/", 1)[1].startswith("pmlr:v247/")


def test_search_with_venue_and_branch_filters(venue_page, console) -> None:
    page = venue_page
    page.goto("/search?q=" + "venue:ACL.2024 multimodal")
    ids = listed_ids(page)
    assert ids and all(i.startswith("acl:2024.") for i in ids)
    page.goto("/search?q=" + "branch:arxiv machine-generated")
    assert listed_ids(page) == [TWIN]
    page.goto("/search?q=" + "branch:venue machine-generated")
    assert MAGE in listed_ids(page) and TWIN not in listed_ids(page)
    page.click(f"article[data-id='{MAGE}'] .title a")
    page.wait_for_url(f"**/venue/{MAGE}")
    assert console.errors == []

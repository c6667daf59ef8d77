"""The admin page in Chromium: log in with the token, run the feed crawl from the page
(against the fake arXiv server), and see its crawl run appear."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from cli.serve import site
from tests.browser.conftest import ServerThread, launch_chromium, screenshot
from tests.ops.arxiv import CalendarArxiv
from tests.ops.test_schedule_process import FEED_PATH, WallClock
from tests.ops.test_week_fakearxiv import CALENDAR, arxiv_settings

pytestmark = pytest.mark.browser

TOKEN = "browser-admin-token-long-enough-to-guess-never"


def test_log_in_and_run_a_crawl_from_the_admin_page(settings, database_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with CalendarArxiv(WallClock(), CALENDAR) as arxiv:
        configured = arxiv_settings(settings, arxiv).model_copy(
            update={"ADMIN_TOKEN": SecretStr(TOKEN)}
        )
        with ServerThread(site(configured)) as url, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(base_url=url)
                context.set_default_timeout(30_000)
                outside: list[str] = []
                context.route(
                    lambda u: not u.startswith(url),
                    lambda route: (outside.append(route.request.url), route.abort()),
                )
                page = context.new_page()

                response = page.goto("/admin")
                assert response.status == 401
                page.fill("input[name=token]", "not the token")
                page.click("button[type=submit]")
                assert page.locator(".admin-error").inner_text() == "That is not the admin token."

                page.fill("input[name=token]", TOKEN)
                page.click("button[type=submit]")
                page.wait_for_url(f"{url}/admin")
                assert page.locator("tr[data-job=crawl-rss]").count() == 1
                assert page.locator("#crawl-runs").count() == 0  # no crawl yet

                page.click("tr[data-job=crawl-rss] button")
                page.wait_for_url(f"{url}/admin?started=crawl-rss")
                done = "#crawl-runs tr[data-source=rss][data-status=succeeded]"
                job_done = "#job-runs-table tr[data-job=crawl-rss][data-status=succeeded]"
                deadline = time.monotonic() + 90
                # The crawl run ends first; the job run ends after the coverage check.
                while page.locator(done).count() == 0 or page.locator(job_done).count() == 0:
                    assert time.monotonic() < deadline, "the crawl did not finish"
                    time.sleep(0.3)
                    page.reload()
                assert page.locator(f"{done} td.n-new").inner_text() == "4"
                assert "coverage complete" in page.locator(job_done).inner_text()
                screenshot(page, "admin-after-crawl", full_page=True)
                assert outside == []
            finally:
                browser.close()
        feed_requests = arxiv.seen(FEED_PATH)
    assert len(feed_requests) == 1
    with sqlite3.connect(database_path) as connection:
        papers = connection.execute("select count(*) from papers").fetchone()[0]
        runs = connection.execute(
            "select job, trigger, status from job_runs where job = 'crawl-rss'"
        ).fetchall()
    assert papers == 4
    assert runs == [("crawl-rss", "manual", "succeeded")]

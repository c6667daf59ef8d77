"""Two instances of the site over one database: an admin session made on one is valid on
the other, and a page cached by each is dropped once the data moves, whichever process
wrote it."""

from __future__ import annotations

from pydantic import SecretStr
from starlette.responses import HTMLResponse
from starlette.testclient import TestClient

from crawler.ingest import ingest
from retry import FakeClock
from tests.summaries.conftest import announced, record
from tests.web.test_admin import SITE, TOKEN
from web.app import create_app
from web.cache import PageCache


def test_an_admin_session_from_one_instance_opens_the_other(settings) -> None:
    configured = settings.model_copy(update={"ADMIN_TOKEN": SecretStr(TOKEN)})
    one, other = (
        create_app(configured, clock=FakeClock()),
        create_app(configured, clock=FakeClock()),
    )
    with TestClient(one) as first, TestClient(other) as second:
        response = first.post(
            "/admin/login", data={"token": TOKEN}, headers={"Origin": SITE}, follow_redirects=False
        )
        assert response.status_code == 303
        assert second.get("/admin").status_code == 401  # no cookie yet
        second.cookies.update(first.cookies)
        assert second.get("/admin").status_code == 200
    changed = settings.model_copy(update={"ADMIN_TOKEN": SecretStr(TOKEN + "-changed")})
    with TestClient(create_app(changed, clock=FakeClock())) as third:
        third.cookies.update(first.cookies)
        assert third.get("/admin").status_code == 401  # another token: another key


async def test_each_instances_pages_follow_the_data_in_the_database(sessions) -> None:
    clock = FakeClock()
    caches = [PageCache(clock=clock.monotonic), PageCache(clock=clock.monotonic)]
    renders: list[int] = []

    async def page(cache: PageCache, n: int) -> bytes:
        async def render() -> HTMLResponse:
            renders.append(n)
            return HTMLResponse(f"page {len(renders)}")

        return bytes((await cache.page("list", sessions, render)).body)

    first = [await page(cache, n) for n, cache in enumerate(caches)]
    assert [await page(cache, n) for n, cache in enumerate(caches)] == first
    assert renders == [0, 1]
    # A crawl elsewhere (the scheduler's process) adds a paper and its announcement.
    async with sessions.begin() as session:
        await ingest(session, [record(announcement=announced(record().published.date()))])
    clock.advance(0.5)
    assert [await page(cache, n) for n, cache in enumerate(caches)] == first  # not checked yet
    clock.advance(1.0)
    after = [await page(cache, n) for n, cache in enumerate(caches)]
    assert renders == [0, 1, 0, 1] and after != first

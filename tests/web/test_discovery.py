"""Discovery on the site: the topics of a day, popularity counted once per browser, paper,
kind and day, the most read pages and feeds, and the lists sorted by popularity."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from models.popularity import PaperEvent
from models.settings import Settings
from retry import FakeClock
from summaries.limits import RateLimiter
from tests.web.data import DAY3, MATH_ID, XSS_ID
from web.app import create_app

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
BROWSER = "b" * 16 + "0123456789abcdef"
OTHER_BROWSER = "c" * 32
DAY3_LIST = f"/arxiv/cs.AI?date={DAY3.isoformat()}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def site(filled_settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(create_app(filled_settings, clock=clock)) as client:
        yield client


def count(client: TestClient, paper: str, kind: str = "star", browser: str = BROWSER):
    body = {"paper": paper, "kind": kind, "browser": browser}
    return client.post("/api/events", json=body, headers=SAME_SITE)


def ids_in(html: str) -> list[str]:
    return re.findall(r'<article class="paper[^"]*" id="([^"]+)"', html)


def test_the_topic_view_groups_the_day_by_topic_deterministically(site):
    listed = site.get(DAY3_LIST)
    topics = site.get(DAY3_LIST + "&view=topics")
    assert topics.status_code == 200
    assert 'data-view="topics"' in listed.text and "view=topics" in listed.text
    assert "data-topics" in topics.text and "data-topics" not in listed.text
    assert sorted(ids_in(topics.text)) == sorted(ids_in(listed.text))
    sizes = [int(n) for n in re.findall(r'topic-size">(\d+)<', topics.text)]
    assert sizes and sum(sizes) == len(ids_in(listed.text))
    assert sizes == sorted(sizes, reverse=True)
    labels = re.findall(r'class="topic-label">([^<]+)<', topics.text)
    assert all(label.strip() for label in labels)
    site.app.state.page_cache.clear()
    assert site.get(DAY3_LIST + "&view=topics").text == topics.text
    back = re.search(r'href="([^"]+)" data-view="list"', topics.text)
    assert back and "view=" not in back.group(1)
    assert site.get(DAY3_LIST + "&view=clusters").status_code == 400


def test_an_event_counts_once_per_browser_paper_kind_and_day(site, clock):
    assert count(site, MATH_ID).json() == {"counted": True}
    replayed = count(site, MATH_ID)
    assert replayed.status_code == 202 and replayed.json() == {"counted": False}
    assert count(site, MATH_ID, "pdf").json() == {"counted": True}
    assert count(site, MATH_ID, browser=OTHER_BROWSER).json() == {"counted": True}
    clock.advance(24 * 3600)
    assert count(site, MATH_ID).json() == {"counted": True}  # a new day

    async def stored() -> list[str]:
        async with site.app.state.sessions() as session:
            return list(await session.scalars(select(PaperEvent.visitor)))

    assert site.portal is not None
    visitors = site.portal.call(stored)
    assert len(visitors) == 4
    assert all(BROWSER not in v and OTHER_BROWSER not in v for v in visitors)
    assert len(set(visitors)) == 3  # the same browser is another digest the next day


def test_bad_events_are_refused_and_count_nothing(site):
    body = {"paper": MATH_ID, "kind": "star", "browser": BROWSER}
    assert site.post("/api/events", json=body).status_code == 403
    cross = {"Origin": "https://elsewhere.example"}
    assert site.post("/api/events", json=body, headers=cross).status_code == 403
    assert count(site, MATH_ID, "like").status_code == 400
    assert count(site, MATH_ID, browser="short").status_code == 400
    assert count(site, "not-an-id").status_code == 400
    assert count(site, "2401.99999").status_code == 404
    bad = site.post("/api/events", content=b"{", headers=SAME_SITE)
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]
    assert count(site, MATH_ID).json() == {"counted": True}


def test_events_are_rate_limited_per_client(site, clock):
    site.app.state.event_limiter = RateLimiter(3, 60, clock)
    browsers = [f"{n:032d}" for n in range(4)]
    assert [count(site, MATH_ID, browser=b).status_code for b in browsers] == [202] * 3 + [429]
    assert int(count(site, MATH_ID, browser="z" * 20).headers["retry-after"]) >= 1
    clock.advance(61)
    assert count(site, MATH_ID, browser=browsers[3]).json() == {"counted": True}


def test_the_most_read_pages_and_feeds(site, clock):
    count(site, XSS_ID)
    count(site, XSS_ID, "faq")
    count(site, MATH_ID)
    page = site.get("/arxiv/cs.AI/top?window=day")
    assert page.status_code == 200
    assert ids_in(page.text)[:2] == [XSS_ID, MATH_ID]
    assert site.get("/arxiv/cs.CY/top").status_code == 200
    feed = site.get("/arxiv/cs.AI/top/feed?window=week")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert feed.text.index(XSS_ID) < feed.text.index(MATH_ID)
    clock.advance(2 * 24 * 3600)
    assert ids_in(site.get("/arxiv/cs.AI/top?window=day").text) == []
    assert ids_in(site.get("/arxiv/cs.AI/top?window=week").text)[:2] == [XSS_ID, MATH_ID]
    assert site.get("/arxiv/cs.AI/top?window=year").status_code == 400
    assert site.get("/arxiv/nonsense.XX/top").status_code == 404


def test_a_list_sorted_by_popularity_follows_the_counts(site):
    announced = ids_in(site.get(DAY3_LIST).text)
    last = announced[-1]
    count(site, last)
    count(site, last, "pdf")
    popular = site.get(DAY3_LIST + "&sort=popular")
    assert popular.status_code == 200
    assert ids_in(popular.text)[0] == last
    assert sorted(ids_in(popular.text)) == sorted(announced)
    count(site, announced[0], browser=OTHER_BROWSER)
    count(site, announced[0], "faq", browser=OTHER_BROWSER)
    count(site, announced[0], "pdf", browser=OTHER_BROWSER)
    assert ids_in(site.get(DAY3_LIST + "&sort=popular").text)[0] == announced[0]
    assert site.get(DAY3_LIST + "&sort=stars").status_code == 400


def test_the_reading_flow_and_discovery_speak_chinese(site):
    page = site.get(DAY3_LIST + "&view=topics&lang=zh").text
    for text in ("按主题", "为你排序", "折叠已看过的论文", "还没有收藏"):
        assert text in page
    found = re.search(r'data-ui-labels="([^"]*)"', page)
    assert found is not None
    labels = json.loads(html.unescape(found.group(1)))
    assert labels["related"] == "[相关]" and labels["unseen"] == "篇未看"
    assert "本站尚未收录" not in page
    top = site.get("/arxiv/cs.AI/top?lang=zh").text
    assert "最热论文" in top and "本周" in top

"""The client against a real local server: what is retried (and how long it waits), what
is not, and bodies that are too large or cut short."""

from __future__ import annotations

import httpx
import pytest

from crawler.fetch import AccessDenied, ArxivClient, FetchError, ResponseTooLarge
from retry import FakeClock
from tests.crawler.conftest import client_for as _client_for
from tests.fakearxiv import (
    LAYA_QUERY,
    Endless,
    FakeArxiv,
    Reset,
    Serve,
    Stall,
    Status,
    Truncate,
    fixture,
)

FEED = fixture("rss/laya-reader_arxiv_rss.xml")


def client_for(clock: FakeClock, **options) -> ArxivClient:
    options.setdefault("timeout", 2.0)
    return _client_for(clock, **options)


def feed_url(arxiv: FakeArxiv) -> str:
    return f"{arxiv.url}/rss/{LAYA_QUERY}"


async def test_a_503_is_retried_after_what_retry_after_asks(arxiv, clock):
    arxiv.inject(Status(503, retry_after=7), path="/rss/", times=2)
    async with client_for(clock) as client:
        fetched = await client.get(feed_url(arxiv))
    assert (fetched.status, fetched.content) == (200, FEED)
    assert clock.sleeps == [7.0, 7.0]
    assert [r.fault for r in arxiv.seen()] == ["Status", "Status", None]


async def test_an_http_date_in_retry_after_is_read_against_the_clock(arxiv, clock):
    when = httpx.Headers({"d": "Tue, 14 Nov 2023 22:14:00 GMT"})["d"]  # epoch + 1,700,000,040
    arxiv.inject(Status(429, retry_after=when), path="/rss/")
    async with client_for(clock) as client:
        await client.get(feed_url(arxiv))
    assert clock.sleeps == [pytest.approx(40.0)]


async def test_429_without_retry_after_backs_off_and_then_succeeds(arxiv, clock):
    arxiv.inject(Status(429), path="/rss/", times=3)
    async with client_for(clock) as client:
        fetched = await client.get(feed_url(arxiv))
    assert fetched.status == 200
    assert len(clock.sleeps) == 3
    assert all(0.0 <= s <= 60.0 for s in clock.sleeps)


async def test_giving_up_says_what_failed_and_how_often(arxiv, clock):
    arxiv.inject(Status(503, retry_after=1), path="/rss/", times=None)
    async with client_for(clock) as client:
        with pytest.raises(FetchError, match=r"HTTP 503 \(gave up after 5 attempts\)"):
            await client.get(feed_url(arxiv))
    assert len(arxiv.seen()) == 5


@pytest.mark.parametrize(
    "fault", [Reset(), Truncate(0.5), Truncate(0.0), Stall(3.0)], ids=lambda f: repr(f)
)
async def test_resets_truncated_bodies_and_timeouts_are_retried(arxiv, clock, fault):
    arxiv.inject(fault, path="/rss/", times=2)
    async with client_for(clock, timeout=1.0) as client:
        fetched = await client.get(feed_url(arxiv))
    assert fetched.content == FEED  # the whole body, never the cut one
    assert [r.fault for r in arxiv.seen()] == [type(fault).__name__] * 2 + [None]


async def test_a_whole_attempt_has_a_deadline(arxiv, clock):
    arxiv.inject(Stall(4.0), path="/rss/", times=1)
    async with client_for(clock, timeout=5.0, attempt_deadline=1.0) as client:
        fetched = await client.get(feed_url(arxiv))
    assert fetched.status == 200
    assert len(arxiv.seen()) == 2


async def test_403_stops_at_once(arxiv, clock):
    arxiv.inject(Status(403), path="/rss/")
    async with client_for(clock) as client:
        with pytest.raises(AccessDenied, match="HTTP 403"):
            await client.get(feed_url(arxiv))
    assert len(arxiv.seen()) == 1


async def test_other_statuses_are_returned_for_the_caller_to_read(arxiv, clock):
    async with client_for(clock) as client:
        fetched = await client.get(f"{arxiv.url}/rss/astroph")
    assert fetched.status == 400
    assert b"Feed error for query" in fetched.content
    assert clock.sleeps == []


async def test_a_body_announced_too_large_is_not_read(arxiv, clock):
    arxiv.inject(Serve(b"<rss>" + b" " * 5000 + b"</rss>"), path="/rss/")
    async with client_for(clock, max_bytes=1000) as client:
        with pytest.raises(ResponseTooLarge, match="over the limit of 1,000"):
            await client.get(feed_url(arxiv))
    assert len(arxiv.seen()) == 1  # not retried


async def test_an_endless_body_is_cut_at_the_limit(arxiv, clock):
    arxiv.inject(Endless(), path="/rss/")
    async with client_for(clock, max_bytes=200_000) as client:
        with pytest.raises(ResponseTooLarge, match="over the limit of 200,000 bytes"):
            await client.get(feed_url(arxiv))


async def test_a_bad_url_is_a_fetch_error_without_retries(clock):
    async with client_for(clock) as client:
        with pytest.raises(FetchError, match="UnsupportedProtocol"):
            await client.get("ftp://127.0.0.1/rss")
    assert clock.sleeps == []


async def test_a_host_that_refuses_connections_is_retried_then_given_up(clock):
    with FakeArxiv() as server:
        url = server.url
    async with client_for(clock) as client:
        with pytest.raises(FetchError, match="ConnectError"):
            await client.get(url + "/rss/cs")
    assert len(clock.sleeps) == 4

"""Politeness: one request at a time per host, never closer than the interval, across
concurrent crawls of the process; gates run on an injectable clock."""

from __future__ import annotations

import asyncio
import itertools

from crawler.fetch import ArxivClient, GateRegistry, HostGate, crawl_papers, crawl_query, host_of
from models.settings import Settings
from retry import FakeClock
from tests.fakearxiv import Stall, Status

INTERVAL = 0.2


async def test_a_gate_spaces_requests_by_the_interval_on_a_fake_clock():
    clock = FakeClock()
    gate = HostGate("h", 3.0, clock=clock, sleep=clock.asleep)
    starts = []
    for duration in (0.5, 0.0, 4.0, 0.0):
        async with gate.slot():
            starts.append(clock.monotonic())
            clock.advance(duration)
    assert starts == [0.0, 3.5, 6.5, 13.5]  # each start is 3 s after the previous end
    assert clock.sleeps == [3.0, 3.0, 3.0]


async def test_a_gate_lets_one_request_in_at_a_time():
    gate = HostGate("h", 0.0)
    inside, most = 0, 0

    async def request():
        nonlocal inside, most
        async with gate.slot():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(request() for _ in range(5)))
    assert most == 1
    assert gate.requests == 5


async def test_retry_after_defers_the_next_slot_of_every_caller():
    clock = FakeClock()
    gate = HostGate("h", 1.0, clock=clock, sleep=clock.asleep)
    async with gate.slot():
        pass
    gate.defer(30.0)
    async with gate.slot():
        assert clock.monotonic() == 30.0
    assert clock.sleeps == [30.0]


def test_the_registry_keeps_one_gate_per_host_and_its_largest_interval():
    registry = GateRegistry()
    a = registry.gate("https://export.arxiv.org:443", 3.0)
    assert registry.gate("https://export.arxiv.org:443", 1.0) is a
    assert a.interval == 3.0
    registry.gate("https://export.arxiv.org:443", 5.0)
    assert a.interval == 5.0
    assert registry.gate("https://rss.arxiv.org:443", 3.0) is not a


def test_hosts_are_told_apart_by_scheme_name_and_port():
    assert host_of("https://export.arxiv.org/api/query?x=1") == "https://export.arxiv.org:443"
    assert host_of("http://127.0.0.1:8123/oai") == "http://127.0.0.1:8123"
    assert host_of("https://rss.arxiv.org/rss/cs") != host_of("https://export.arxiv.org/api")


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_two_concurrent_crawls_never_come_closer_than_the_interval(sessions, arxiv):
    """Measured at the server: a paged search and a look-up by ids run at once, each with
    its own client, through the process-wide gate of the one host they share."""
    settings = Settings(MIN_REQUEST_INTERVAL=INTERVAL, CONTACT_EMAIL="crawler@example.org")
    arxiv.inject(Stall(0.05), path="/api/query", times=None)  # requests take some time
    api = arxiv.url + "/api"
    ids = list(arxiv.api_corpus)[:5]
    async with (
        ArxivClient.from_settings(settings) as first,
        ArxivClient.from_settings(settings) as second,
    ):
        await asyncio.gather(
            crawl_query(sessions, first, "testing", api_base=api, max_results=40, page_size=10),
            crawl_papers(sessions, second, ids, api_base=api),
        )
    seen = arxiv.seen()
    assert len(seen) == 5  # four pages and one batch of ids
    assert min(gaps([r.arrived for r in seen])) >= INTERVAL
    # No request started before the previous one was answered.
    assert all(b.arrived >= a.finished for a, b in itertools.pairwise(seen))
    assert arxiv.max_in_flight == 1
    assert all("mailto:crawler@example.org" in r.headers["user-agent"] for r in seen)
    assert all(r.headers["user-agent"].startswith("coolpapers/") for r in seen)


async def test_retries_keep_the_spacing_too(sessions, arxiv):
    settings = Settings(MIN_REQUEST_INTERVAL=INTERVAL)
    arxiv.inject(Status(503), path="/api/query", times=2)
    async with ArxivClient.from_settings(settings) as client:
        # No Retry-After: the backoff may be short, the gate still holds the interval.
        client.policy = client.policy.replace(wait=0.0)
        await crawl_papers(sessions, client, ["1605.08386"], api_base=arxiv.url + "/api")
    seen = arxiv.seen()
    assert [r.fault for r in seen] == ["Status", "Status", None]
    assert min(gaps([r.arrived for r in seen])) >= INTERVAL

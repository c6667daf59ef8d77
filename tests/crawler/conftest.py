"""Fixtures of the fetcher tests: the fake arXiv server, a fake clock, a client on both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.fetch.client import ArxivClient
from retry import FakeClock
from tests.fakearxiv import FakeArxiv


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(clock: FakeClock, **options) -> ArxivClient:
    """A client without spacing whose waits go to the fake clock (short timeouts by default)."""
    options.setdefault("timeout", 0.5)
    return ArxivClient(
        user_agent="coolpapers-test", interval=0.0, clock=clock, sleep=clock.asleep, **options
    )

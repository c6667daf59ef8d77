"""Several instances of the site over one PostgreSQL: each summary generated once, followed
from the other instances, taken over when its instance dies; the concurrency limit, the
budget and the rate limits count every instance."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from crawler.ingest import ingest
from models.summary import Summary
from summaries import BudgetExhausted, JobState, RateLimited, SummaryService, claims
from summaries.store import SummaryKey
from tests.summaries.conftest import record
from tests.summaries.test_service import collect, until, without_status

pytestmark = pytest.mark.postgresql_only

BEAT = 0.02  # seconds between heartbeats and polls (real time: the instances are concurrent)


@pytest.fixture
def two(model_settings, sessions, clock):
    """Two instances, as two processes would be, over this test's database."""

    def make(**changes) -> list[SummaryService]:
        settings = model_settings.model_copy(update=changes)
        return [
            SummaryService.from_settings(
                settings, sessions, clock=clock, sleep=clock.asleep, instance=name, beat_every=BEAT
            )
            for name in ("a", "b")
        ]

    return make


async def count_summaries(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Summary))


async def second_paper(sessions) -> str:
    async with sessions.begin() as session:
        await ingest(session, [record("2403.00002", title="Another paper")])
    return "2403.00002"


async def test_one_generation_for_both_instances_followed_from_the_other(
    two, paper, llm, sessions
) -> None:
    a, b = two()
    try:
        assert a.instance == "a" and b.instance == "b"
        llm.hold(from_call=1)
        mine = await a.start(paper, "en", client="10.0.0.1")
        await until(lambda: len(llm.calls) == 2)
        theirs = await b.start(paper, "en", client="10.0.0.2")
        assert theirs is not mine and b.running(mine.key) is theirs
        # The answer so far reaches instance b through the claim's heartbeats.
        await until(lambda: any(e.type == "answer" for e in theirs.history))
        assert theirs.state == JobState.GENERATING
        again = await b.join(paper, "en")
        assert again is theirs
        llm.release()
        seen_a, seen_b = await asyncio.gather(collect(mine), collect(theirs))
    finally:
        await a.aclose()
        await b.aclose()
    assert len(llm.calls) == 6  # one conversation of six questions
    assert seen_b[-1].type == "done" and seen_b[-1].data == seen_a[-1].data
    answers = [[e for e in seen if e.type == "answer"] for seen in (seen_a, seen_b)]
    assert answers[1] == answers[0] and len(answers[0]) == 6
    assert without_status(seen_b)[:10] == without_status(seen_a)[:10]  # followed as it came
    assert await count_summaries(sessions) == 1
    assert await claims.read(sessions, mine.key) is None


async def test_a_generation_whose_instance_died_is_taken_over(
    two, paper, llm, sessions, clock
) -> None:
    a, b = two()
    try:
        key = SummaryKey(paper, 1, "en", "fake-model")
        assert await claims.take(sessions, key, "gone", clock.now(), 30.0) is None
        follower = await b.start(paper, "en", client="10.0.0.2")
        await asyncio.sleep(5 * BEAT)
        assert not llm.calls and not follower.finished  # the claim is live: b waits
        clock.advance(31)  # no heartbeat from "gone" for longer than the claim lives
        seen = await collect(follower)
    finally:
        await a.aclose()
        await b.aclose()
    assert seen[-1].type == "done"
    assert len(llm.calls) == 6
    assert await count_summaries(sessions) == 1
    assert await claims.read(sessions, key) is None


async def test_the_concurrency_limit_counts_every_instance(two, paper, llm, sessions) -> None:
    other = await second_paper(sessions)
    a, b = two(LLM_MAX_CONCURRENCY=1)
    try:
        llm.hold(from_call=0)
        first = await a.start(paper, "en")
        await until(lambda: len(llm.calls) == 1)
        second = await b.start(other, "en")
        await asyncio.sleep(10 * BEAT)
        assert second.state == JobState.QUEUED  # b waits for a's generation
        assert len(llm.calls) == 1
        llm.release()
        await asyncio.gather(collect(first), collect(second))
    finally:
        await a.aclose()
        await b.aclose()
    assert first.result is not None and second.result is not None
    papers = [
        paper in c.messages[1]["content"] or "FlashMix" in c.messages[1]["content"]
        for c in llm.calls[:6]
    ]
    assert all(papers) and len(llm.calls) == 12
    assert await count_summaries(sessions) == 2


async def test_the_budget_and_the_rate_limit_hold_across_instances(
    two, paper, llm, sessions
) -> None:
    other = await second_paper(sessions)
    async with sessions.begin() as session:
        await ingest(session, [record("2403.00003", title="A third paper")])
    a, b = two(LLM_DAILY_BUDGET=12, SUMMARY_RATE_LIMIT=1)
    try:
        await collect(await a.start(paper, "en", client="10.0.0.1"))
        with pytest.raises(RateLimited):
            await b.start(other, "en", client="10.0.0.1")
        await collect(await b.start(other, "en", client="10.0.0.9"))
        with pytest.raises(BudgetExhausted):  # a's six calls and b's six spent the day
            await a.start("2403.00003", "en", client="10.0.0.8")
    finally:
        await a.aclose()
        await b.aclose()
    assert len(llm.calls) == 12

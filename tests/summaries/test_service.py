"""The summary service against a real OpenAI-compatible server on 127.0.0.1.

Retries sleep on a fake clock; the only real waits are for the server's thread to answer.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import update

from models.schema import Paper
from summaries import (
    QUESTIONS,
    BudgetExhausted,
    Event,
    JobState,
    PaperNotFound,
    RateLimited,
    SummaryJob,
)
from summaries.faq import paper_message, system_prompt
from summaries.store import load_paper
from tests.indexed import ingest
from tests.summaries.conftest import NOW, announced, record
from tests.summaries.fake_llm import Answer, Drop, Malformed, Stall, Status, default_answer


async def until(predicate, timeout: float = 10.0) -> None:
    """Wait for something the server's thread does (not for time to pass)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def collect(job: SummaryJob) -> list[Event]:
    return [event async for event in job.follow() if event is not None]


def without_status(events: list[Event]) -> list[Event]:
    return [e for e in events if e.type != "status"]


def rows(database_path) -> list[tuple]:
    with sqlite3.connect(database_path) as connection:
        return connection.execute(
            "select paper_id, version, language, model, kind, status, faq, error"
            " from summaries order by paper_id, version, language"
        ).fetchall()


async def test_six_questions_in_order_in_one_conversation(make_service, paper, llm, sessions):
    service = make_service()
    job = await service.start(paper, "en", client="10.0.0.1")
    seen = await collect(job)

    assert [c.messages[-1]["content"] for c in llm.calls] == list(QUESTIONS["en"])
    async with sessions() as session:
        text = (await load_paper(session, paper)).text
    opening = [
        {"role": "system", "content": system_prompt("en")},
        {"role": "user", "content": paper_message(text, "en")},
    ]
    answers = [default_answer(c.messages) for c in llm.calls]
    for n, call in enumerate(llm.calls):
        expected = list(opening)
        for question, answer in zip(QUESTIONS["en"][:n], answers[:n], strict=True):
            expected += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]
        expected.append({"role": "user", "content": QUESTIONS["en"][n]})
        assert call.messages == expected
        assert call.body["model"] == "fake-model" and call.body["stream"] is True

    assert [e.type for e in seen if e.type not in ("delta",)] == [
        "status",
        "status",
        *["question", "answer"] * 6,
        "done",
    ]
    streamed = "".join(e.data["text"] for e in seen if e.type == "delta" and e.data["index"] == 0)
    assert streamed == answers[0]
    done = seen[-1].data
    assert [item["answer"] for item in done["faq"]] == answers
    assert (done["model"], done["version"], done["kind"], done["status"]) == (
        "fake-model",
        1,
        "model",
        "complete",
    )


async def test_two_readers_share_one_generation(make_service, paper, llm):
    service = make_service()
    llm.hold(from_call=1)  # the first answer streams, the second question waits
    first = await service.start(paper, "en", client="10.0.0.1")
    reader_1 = asyncio.create_task(collect(first))
    await until(lambda: len(llm.calls) == 2)
    await until(lambda: any(e.type == "answer" for e in first.history))

    second = await service.start(paper, "en", client="10.0.0.2")
    assert second is first
    reader_2 = asyncio.create_task(collect(second))
    llm.release()
    events_1, events_2 = await asyncio.gather(reader_1, reader_2)

    assert len(llm.calls) == 6
    assert without_status(events_1) == without_status(events_2)  # replayed, then live
    assert events_2[0].data == {"state": "generating"}
    assert events_1[-1].type == "done"


async def test_a_cached_summary_costs_nothing(make_service, paper, llm):
    service = make_service(SUMMARY_RATE_LIMIT=1)
    await collect(await service.start(paper, "en", client="10.0.0.1"))
    assert len(llm.calls) == 6

    again = await service.start(paper, "en", client="10.0.0.1")  # not rate limited either
    events = await collect(again)
    assert [e.type for e in events] == ["done"]
    assert len(llm.calls) == 6
    lookup = await service.lookup(paper, "en")
    assert lookup.summary is not None and lookup.summary.key.version == 1
    assert lookup.generation.state == "complete"


async def test_a_new_version_keeps_the_old_summary_until_its_own_is_made(
    make_service, paper, llm, sessions, database_path
):
    service = make_service()
    await collect(await service.start(paper, "en"))
    async with sessions.begin() as session:
        await ingest(session, [record(version=2, abstract="A better abstract.")])

    lookup = await service.lookup(paper, "en")
    assert lookup.key.version == 2
    assert lookup.summary is not None and lookup.summary.key.version == 1  # shown, for v1
    assert lookup.generation.state == "none"

    events = await collect(await service.start(paper, "en"))
    assert events[-1].data["version"] == 2
    assert "A better abstract." in llm.calls[-1].messages[1]["content"]
    lookup = await service.lookup(paper, "en")
    assert lookup.summary.key.version == 2
    assert [(r[1], r[5]) for r in rows(database_path)] == [(1, "complete"), (2, "complete")]


async def test_both_languages_are_generated_independently(make_service, paper, llm):
    service = make_service()
    jobs = [await service.start(paper, lang) for lang in ("en", "zh")]
    assert jobs[0] is not jobs[1]
    english, chinese = await asyncio.gather(*(collect(job) for job in jobs))
    assert len(llm.calls) == 12
    by_language = {
        lang: [c for c in llm.calls if c.messages[-1]["content"] in QUESTIONS[lang]]
        for lang in ("en", "zh")
    }
    assert [c.messages[-1]["content"] for c in by_language["zh"]] == list(QUESTIONS["zh"])
    for call in by_language["zh"]:
        assert "请用中文" in call.messages[0]["content"]
        assert all(m["content"] not in QUESTIONS["en"] for m in call.messages)
    assert english[-1].data["language"] == "en" and chinese[-1].data["language"] == "zh"
    assert [i["question"] for i in chinese[-1].data["faq"]] == list(QUESTIONS["zh"])


@pytest.mark.parametrize(
    "failure",
    [Status(500), Status(503), Drop(after=2), Malformed(after=1)],
    ids=["500", "503", "dropped", "malformed"],
)
async def test_a_failed_call_is_retried_and_the_partial_answer_discarded(
    make_service, paper, llm, clock, failure
):
    service = make_service()
    llm.script.append(failure)
    events = await collect(await service.start(paper, "en"))
    assert len(llm.calls) == 7
    [retry] = [e for e in events if e.type == "retry"]
    assert (retry.data["index"], retry.data["attempt"]) == (0, 2)
    assert len(clock.sleeps) == 1 and clock.sleeps[0] == retry.data["wait"]
    done = events[-1]
    assert done.type == "done"
    assert done.data["faq"][0]["answer"] == default_answer(llm.calls[1].messages)


async def test_429_waits_as_long_as_retry_after_says(make_service, paper, llm, clock):
    service = make_service()
    llm.script.extend([Status(429, retry_after="7"), Status(429, retry_after="2")])
    events = await collect(await service.start(paper, "en"))
    assert clock.sleeps == [7.0, 2.0]
    assert [e.data["reason"] for e in events if e.type == "retry"] == [
        "HTTP 429",
        "HTTP 429",
    ]
    assert events[-1].type == "done"


async def test_a_timeout_is_retried(make_service, paper, llm):
    service = make_service(LLM_TIMEOUT=0.3)
    llm.script.append(Stall(after=1))
    events = await collect(await service.start(paper, "en"))
    assert [e.data["reason"] for e in events if e.type == "retry"] == ["no answer in time"]
    assert events[-1].type == "done"


async def test_giving_up_reports_the_failure_and_caches_no_partial_answer(
    make_service, paper, llm, database_path, clock
):
    service = make_service()
    # Two answers, then the third question fails on every attempt.
    llm.script.extend([Answer(), Answer(), Status(500), Drop(), Malformed(), Status(502)])
    events = await collect(await service.start(paper, "en"))

    assert len(llm.calls) == 6  # 2 answers + 4 attempts at the third question
    assert events[-1].type == "error"
    message = events[-1].data["message"]
    assert message == (
        "The language model did not answer (HTTP 502), 4 attempts; please try again later."
    )
    assert len(clock.sleeps) == 3
    [(_, _, _, _, kind, status, faq, error)] = rows(database_path)
    assert (kind, status, faq, error) == ("model", "failed", "[]", message)
    lookup = await service.lookup(paper, "en")
    assert lookup.summary is None
    assert (lookup.generation.state, lookup.generation.error) == ("failed", message)

    # A failed summary can be asked for again, and then succeeds.
    events = await collect(await service.start(paper, "en"))
    assert events[-1].type == "done"
    assert rows(database_path)[0][5] == "complete"


async def test_a_refused_request_is_not_retried_and_its_text_is_only_logged(
    make_service, paper, llm, clock, database_path, caplog
):
    service = make_service()
    secret = "Incorrect API key provided: sk-proj-4f9Qx2 (organization org-acme)"
    llm.script.append(Status(401, message=secret))
    with caplog.at_level("WARNING"):
        events = await collect(await service.start(paper, "en"))
    assert len(llm.calls) == 1 and clock.sleeps == []
    message = "The language model refused the request (HTTP 401)."
    assert events[-1].data == {"message": message}
    assert rows(database_path)[0][7] == message
    assert (await service.lookup(paper, "en")).generation.error == message
    assert secret in caplog.text


async def test_retries_tell_readers_nothing_the_endpoint_said(make_service, paper, llm, caplog):
    service = make_service()
    secret = "upstream 10.20.30.40:8443 overloaded, key sk-live-abcdef"
    llm.script.extend([Status(503, message=secret), Status(503, message=secret)])
    with caplog.at_level("WARNING"):
        events = await collect(await service.start(paper, "en"))
    assert events[-1].type == "done"
    assert [e.data["reason"] for e in events if e.type == "retry"] == ["HTTP 503", "HTTP 503"]
    assert all(secret not in str(e.data) for e in events)
    assert secret in caplog.text


async def test_each_call_asks_for_at_most_llm_max_tokens(make_service, paper, llm) -> None:
    service = make_service(LLM_MAX_TOKENS=300)
    assert (await collect(await service.start(paper, "en")))[-1].type == "done"
    assert {call.body["max_tokens"] for call in llm.calls} == {300}


async def test_the_rate_limit_counts_only_new_generations(make_service, sessions, llm, clock):
    async with sessions.begin() as session:
        await ingest(session, [record(f"2403.0000{n}") for n in range(1, 4)])
    service = make_service(SUMMARY_RATE_LIMIT=2, SUMMARY_RATE_WINDOW=3600)
    llm.hold()
    first = await service.start("2403.00001", "en", client="10.0.0.1")
    assert await service.start("2403.00001", "en", client="10.0.0.1") is first  # joining
    await service.start("2403.00002", "en", client="10.0.0.1")
    with pytest.raises(RateLimited) as caught:
        await service.start("2403.00003", "en", client="10.0.0.1")
    assert caught.value.retry_after == 3600
    assert "try again in 60 min" in str(caught.value)
    third = await service.start("2403.00003", "en", client="10.0.0.2")  # another client
    clock.advance(1800)
    with pytest.raises(RateLimited) as caught:
        await service.start("2403.00003", "zh", client="10.0.0.1")
    assert caught.value.retry_after == 1800
    clock.advance(1800)
    await service.start("2403.00003", "zh", client="10.0.0.1")
    llm.release()
    await third.wait()


async def test_the_daily_budget_of_model_calls(make_service, sessions, llm, clock):
    async with sessions.begin() as session:
        await ingest(session, [record(f"2403.0000{n}") for n in range(1, 4)])
    service = make_service(LLM_DAILY_BUDGET=13)
    for paper_id in ("2403.00001", "2403.00002"):
        assert (await collect(await service.start(paper_id, "en")))[-1].type == "done"
    assert await service.budget.used() == 12
    with pytest.raises(BudgetExhausted) as caught:
        await service.start("2403.00003", "en", client="10.0.0.9")
    assert caught.value.retry_after == 12 * 3600  # NOW is 12:00 UTC
    assert len(llm.calls) == 12

    clock.advance(12 * 3600)  # the next UTC day
    assert (await collect(await service.start("2403.00003", "en")))[-1].type == "done"
    assert await service.budget.used() == 6


async def test_retries_are_charged_to_the_budget(make_service, paper, llm, database_path):
    service = make_service(LLM_DAILY_BUDGET=7)
    llm.script.extend([Status(500), Status(500)])
    events = await collect(await service.start(paper, "en"))
    assert len(llm.calls) == 2  # the first retry takes the 7th call, the second is refused
    assert events[-1].type == "error"
    assert "budget of language model calls is spent" in events[-1].data["message"]
    assert rows(database_path)[0][5:7] == ("failed", "[]")


async def test_priorities_today_then_readers_then_backfill(make_service, sessions, llm):
    today = NOW.date()
    async with sessions.begin() as session:
        await ingest(
            session,
            [
                record("2403.00001"),
                record("2403.00002", title="Backfill"),
                record("2403.00003", title="Reader"),
                record("2403.00004", title="Today", announcement=announced(today)),
            ],
        )
    service = make_service(LLM_MAX_CONCURRENCY=1)
    llm.hold()
    blocker = await service.start("2403.00001", "en")
    await until(lambda: len(llm.calls) == 1)
    backfill = await service.start("2403.00002", "en", background=True)
    reader = await service.start("2403.00003", "en", client="10.0.0.1")
    todays = await service.start("2403.00004", "en", background=True)
    assert [j.state for j in (blocker, backfill, reader, todays)] == [
        JobState.GENERATING,
        JobState.QUEUED,
        JobState.QUEUED,
        JobState.QUEUED,
    ]
    status = [(await anext(aiter(j.follow()))).data for j in (todays, reader, backfill)]
    assert status == [{"state": "queued", "position": n} for n in (1, 2, 3)]

    llm.release()
    await asyncio.gather(*(j.wait() for j in (blocker, backfill, reader, todays)))
    titles = [c.messages[1]["content"].split("Title: ")[1].split("\n")[0] for c in llm.calls]
    order = list(dict.fromkeys(titles))
    assert order == ["FlashMix: fast mixing for long inputs", "Today", "Reader", "Backfill"]


async def test_a_reader_promotes_a_queued_backfill_job(make_service, sessions, llm):
    async with sessions.begin() as session:
        await ingest(session, [record(f"2403.0000{n}") for n in range(1, 4)])
    service = make_service(LLM_MAX_CONCURRENCY=1)
    llm.hold()
    await service.start("2403.00001", "en")
    await until(lambda: len(llm.calls) == 1)
    first = await service.start("2403.00002", "en", background=True)
    second = await service.start("2403.00003", "en", background=True)
    assert service._queue.position(second) == 2
    assert await service.start("2403.00003", "en", client="10.0.0.1") is second
    assert service._queue.position(second) == 1 and service._queue.position(first) == 2
    llm.release()
    await asyncio.gather(first.wait(), second.wait())


async def test_the_concurrency_limit(make_service, sessions, llm):
    async with sessions.begin() as session:
        await ingest(session, [record(f"2403.0000{n}") for n in range(1, 4)])
    service = make_service(LLM_MAX_CONCURRENCY=2)
    llm.hold()
    jobs = [await service.start(f"2403.0000{n}", "en") for n in range(1, 4)]
    await until(lambda: len(llm.calls) == 2)
    assert [j.state for j in jobs] == [JobState.GENERATING, JobState.GENERATING, JobState.QUEUED]
    llm.release()
    await asyncio.gather(*(j.wait() for j in jobs))
    assert len(llm.calls) == 18 and all(j.state == JobState.COMPLETE for j in jobs)


async def test_unknown_and_hidden_papers_and_languages(make_service, sessions, paper):
    service = make_service()
    with pytest.raises(PaperNotFound):
        await service.start("2403.99999", "en")
    with pytest.raises(ValueError, match="language must be one of en, zh"):
        await service.start(paper, "fr")
    async with sessions.begin() as session:
        await session.execute(update(Paper).values(hidden=True))
    with pytest.raises(PaperNotFound):
        await service.lookup(paper, "en")


async def test_offline_summaries_are_instant_and_labelled(make_service, settings, paper, llm):
    service = make_service(settings, LLM_BASE_URL="")
    lookup = await service.lookup(paper, "en")
    assert lookup.summary is not None
    assert (lookup.summary.kind, lookup.summary.key.model) == ("extractive", "extractive")
    assert [qa.question for qa in lookup.summary.faq] == ["Key sentences", "Method", "Result"]
    assert llm.calls == []
    # No model calls: neither the budget nor the rate limit applies.
    assert await service.budget.used() == 0


async def test_closing_the_service_ends_what_is_in_progress(make_service, paper, llm):
    service = make_service()
    llm.hold()
    job = await service.start(paper, "en")
    await until(lambda: len(llm.calls) == 1)
    await service.aclose()
    assert job.state == JobState.FAILED
    assert "server stopped" in job.error


async def test_concurrent_offline_lookups_all_get_the_summary(
    make_service, settings, paper, database_path
):
    service = make_service(settings, LLM_BASE_URL="")
    lookups = await asyncio.gather(*(service.lookup(paper, "en") for _ in range(5)))
    assert all(lookup.summary is not None for lookup in lookups)
    assert [r[5] for r in rows(database_path)] == ["complete"]


async def test_taking_from_the_budget_waits_out_a_locked_database(
    settings, database_path, clock, monkeypatch
) -> None:
    import sqlite3

    import models.db
    from models.db import create_engine, session_factory
    from summaries.limits import DailyBudget

    monkeypatch.setattr(models.db, "SQLITE_BUSY_TIMEOUT_MS", 0)  # locked: fail at once
    engine = create_engine(settings=settings)
    holder = sqlite3.connect(database_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer (the crawler) holds the database

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 2:
            holder.execute("COMMIT")

    try:
        budget = DailyBudget(session_factory(engine), 10, clock, sleep)
        assert await budget.take(3) is True
        assert len(clock.sleeps) == 2
        assert await budget.used() == 3
    finally:
        holder.close()
        await engine.dispose()


@pytest.mark.postgresql_only
async def test_a_day_opened_by_another_taker_between_two_statements_is_taken_from(
    sessions, clock
) -> None:
    from summaries.limits import DailyBudget, ModelCallDay

    budget = DailyBudget(sessions, 10, clock)
    day = budget.today()
    async with sessions.begin() as session:
        original = session.execute

        async def execute(statement, *args, **kwargs):
            result = await original(statement, *args, **kwargs)
            if not hasattr(execute, "done"):  # the first UPDATE found no row: another opens it
                execute.done = True  # type: ignore[attr-defined]
                async with sessions.begin() as other:
                    other.add(ModelCallDay(day=day, calls=4))
            return result

        session.execute = execute  # type: ignore[method-assign]
        assert await budget._add(session, day, 3) == "taken"
    assert await budget.used() == 7

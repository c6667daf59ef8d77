"""The two summarizers: a language model asked the FAQ, and the offline extractive one.

A summarizer turns a ``PaperText`` into question-answer pairs, telling its progress through
``emit`` (see ``summaries.events``). The model summarizer asks the six questions in one
conversation, one call per question, each call retried through ``retry`` under
``model_policy``; before any call beyond the first try of each question it asks ``charge``
for one more model call of the day's budget.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
import tenacity

from models.summary import SummaryKind
from retry import (
    SYSTEM_CLOCK,
    AsyncRetry,
    Clock,
    GaveUp,
    Policy,
    http_policy,
    is_retryable_http_error,
)
from summaries import events
from summaries.client import ChatClient, describe_failure, failure_detail
from summaries.errors import ModelFailed, ModelStreamError
from summaries.events import Event
from summaries.extractive import MODEL_NAME as EXTRACTIVE_MODEL
from summaries.extractive import extract, extract_full_text
from summaries.faq import DEFAULT_CONTEXT_CHARS, QA, PaperText, conversation, excerpt, questions

log = logging.getLogger(__name__)

Emit = Callable[[Event], None]
# Takes one more model call from the budget, or raises BudgetExhausted.
Charge = Callable[[], Awaitable[None]]
Sleep = Callable[[float], object]


def is_retryable_model_error(exc: BaseException) -> bool:
    """Timeouts, dropped connections, 429 and 5xx statuses, and unusable streams."""
    return is_retryable_http_error(exc) or isinstance(exc, ModelStreamError)


# http_policy's waits (Retry-After, else backoff with jitter), over model errors.
model_policy = http_policy.replace(
    max_tries=4, retry_on=is_retryable_model_error, retry_on_result=None
)


@dataclass(frozen=True, slots=True)
class Result:
    faq: list[QA]
    used_full_text: bool


class Summarizer(Protocol):
    model: str
    kind: SummaryKind
    # Model calls a summary costs when nothing fails (0: free, not rate limited).
    calls_per_summary: int
    # True when a summary is made at once, so that it can be made while a reader waits.
    instant: bool

    async def summarize(
        self, paper: PaperText, language: str, emit: Emit, charge: Charge
    ) -> Result: ...


async def _free() -> None:
    return None


class ExtractiveSummarizer:
    """The six questions answered with sentences quoted from the sections of the full text,
    or key sentences, method and result picked from the abstract when there is none (see
    summaries.extractive)."""

    model = EXTRACTIVE_MODEL
    kind = SummaryKind.EXTRACTIVE
    calls_per_summary = 0
    instant = True

    async def summarize(
        self, paper: PaperText, language: str, emit: Emit, charge: Charge = _free
    ) -> Result:
        faq = None
        if paper.full_text is not None:
            faq = extract_full_text(paper.title, paper.abstract, paper.full_text, language)
        used_full_text = faq is not None
        if faq is None:
            faq = extract(paper.title, paper.abstract, language)
        for index, qa in enumerate(faq):
            emit(events.question(index, qa.question, len(faq)))
            emit(events.answer(index, qa.question, qa.answer))
        return Result(faq, used_full_text=used_full_text)


class ModelSummarizer:
    """The FAQ from a chat model, question by question, in one conversation; ``context_chars``
    bounds the full text sent with the paper (cut at a section boundary)."""

    kind = SummaryKind.MODEL
    instant = False

    def __init__(
        self,
        client: ChatClient,
        *,
        policy: Policy = model_policy,
        sleep: Sleep | None = None,
        clock: Clock = SYSTEM_CLOCK,
        context_chars: int = DEFAULT_CONTEXT_CHARS,
    ) -> None:
        self.client = client
        self.context_chars = context_chars
        self.model = client.endpoint.model
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.calls_per_summary = len(questions("en"))

    async def summarize(
        self, paper: PaperText, language: str, emit: Emit, charge: Charge = _free
    ) -> Result:
        answered: list[QA] = []
        asked = questions(language)
        for index, question in enumerate(asked):
            emit(events.question(index, question, len(asked)))
            messages = conversation(paper, language, answered, self.context_chars)
            text = await self._ask(messages, index, emit, charge)
            answered.append(QA(question, text))
            emit(events.answer(index, question, text))
        used_full_text = bool(excerpt(paper.full_text, self.context_chars))
        return Result(answered, used_full_text=used_full_text)

    async def _ask(self, messages, index: int, emit: Emit, charge: Charge) -> str:
        def announce_retry(state: tenacity.RetryCallState) -> None:
            assert state.outcome is not None
            failure = state.outcome.exception() or RuntimeError("no answer")
            log.warning("model call for question %d failed: %s", index, failure_detail(failure))
            reason = describe_failure(failure)
            wait = state.upcoming_sleep
            emit(events.retry(index, state.attempt_number + 1, wait, reason))

        def on_delta(piece: str) -> None:
            emit(events.delta(index, piece))

        policy = self.policy.add_hooks(before_sleep=announce_retry)
        retrying = AsyncRetry(policy, sleep=self.sleep, clock=self.clock)
        try:
            async for attempt in retrying:
                with attempt:
                    if attempt.number > 1:
                        await charge()
                    completion = await self.client.complete(messages, on_delta)
        except GaveUp as exc:
            last = exc.last_exception
            detail = failure_detail(last) if last is not None else "no answer"
            log.warning("model gave no answer in %d attempts: %s", exc.attempts, detail)
            reason = describe_failure(last) if last is not None else "no answer"
            raise ModelFailed(
                f"The language model did not answer ({reason}), {exc.attempts} attempts;"
                " please try again later."
            ) from exc
        except httpx.HTTPStatusError as exc:
            log.warning("model refused the request: %s", failure_detail(exc))
            raise ModelFailed(
                f"The language model refused the request ({describe_failure(exc)})."
            ) from exc
        except httpx.HTTPError as exc:
            log.warning("model endpoint unreachable: %s", failure_detail(exc))
            raise ModelFailed("The language model cannot be reached.") from exc
        return completion.text

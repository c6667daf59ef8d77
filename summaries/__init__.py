"""FAQ summaries of papers, from any OpenAI-compatible chat endpoint or made offline.

This package owns what a summary is and how it is made, cached and protected:

- ``summaries.faq``: the six questions, asked one at a time in one conversation over the
  paper's title, abstract and (when fetched) full text; English and Chinese independently.
- ``summaries.client``: streaming chat completions; ``summaries.summarizers``: the model
  summarizer (each call retried through ``retry``) and the offline extractive one
  (``summaries.extractive``).
- ``summaries.store``: the cache, one summary per paper version, language and model.
- ``summaries.jobs``: generations in progress that many readers follow, run by a queue
  with priorities (today's papers, then readers' requests, then backfill) and a
  concurrency limit; ``summaries.limits``: per-client rate limit and daily budget.
- ``summaries.service``: all of the above behind ``SummaryService``.
- ``summaries.markdown``: answers as HTML (Markdown and TeX); ``summaries.selection``:
  which papers to summarize ahead of readers.
"""

from summaries.errors import (
    BudgetExhausted,
    ModelFailed,
    PaperNotFound,
    RateLimited,
    SummaryError,
)
from summaries.events import Event
from summaries.faq import QA, QUESTIONS, PaperText
from summaries.jobs import JobState, Priority, SummaryJob
from summaries.service import Generation, Lookup, SummaryService, no_full_text
from summaries.store import StoredSummary, SummaryKey

__all__ = [
    "QA",
    "QUESTIONS",
    "BudgetExhausted",
    "Event",
    "Generation",
    "JobState",
    "Lookup",
    "ModelFailed",
    "PaperNotFound",
    "PaperText",
    "Priority",
    "RateLimited",
    "StoredSummary",
    "SummaryError",
    "SummaryJob",
    "SummaryKey",
    "SummaryService",
    "no_full_text",
]

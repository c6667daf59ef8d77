"""What readers of a generation see, in order: the events of one summary being made.

- ``status``: ``{"state": "queued", "position": n}`` or ``{"state": "generating"}``
- ``question``: ``{"index": i, "question": text, "total": n}`` — question ``i`` of ``n``
  is being asked
- ``delta``: ``{"index": i, "text": piece}`` — the next piece of answer ``i``
- ``retry``: ``{"index": i, "attempt": n, "wait": s, "reason": text}`` — the call failed
  and will be made again: what was shown of answer ``i`` is to be discarded
- ``answer``: ``{"index": i, "question": text, "answer": text}`` — answer ``i`` is complete
- ``done``: the stored summary (the last event of a success)
- ``error``: ``{"message": text}`` (the last event of a failure)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    data: dict[str, Any] = field(default_factory=dict)


def status_queued(position: int) -> Event:
    return Event("status", {"state": "queued", "position": position})


def status_generating() -> Event:
    return Event("status", {"state": "generating"})


def question(index: int, text: str, total: int) -> Event:
    return Event("question", {"index": index, "question": text, "total": total})


def delta(index: int, text: str) -> Event:
    return Event("delta", {"index": index, "text": text})


def retry(index: int, attempt: int, wait: float, reason: str) -> Event:
    return Event("retry", {"index": index, "attempt": attempt, "wait": wait, "reason": reason})


def answer(index: int, question_text: str, text: str) -> Event:
    return Event("answer", {"index": index, "question": question_text, "answer": text})


def error(message: str) -> Event:
    return Event("error", {"message": message})

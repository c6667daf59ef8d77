"""The FAQ conversation: six questions, one at a time, the paper in the first user message
and only the instructions in the system message."""

from __future__ import annotations

import pytest

from summaries.faq import MAX_FULL_TEXT_CHARS, QA, QUESTIONS, PaperText, conversation

PAPER = PaperText("2403.00001", 2, "A title", "An abstract with $x^2$.")


def test_six_questions_in_each_language_and_no_translation_between_them() -> None:
    assert len(QUESTIONS["en"]) == len(QUESTIONS["zh"]) == 6
    assert all(q.isascii() for q in QUESTIONS["en"])
    assert all(not q.isascii() for q in QUESTIONS["zh"])


def test_the_first_call_holds_the_paper_and_the_first_question() -> None:
    messages = conversation(PAPER, "en", [])
    assert [m["role"] for m in messages] == ["system", "user", "user"]
    system, paper = messages[0]["content"], messages[1]["content"]
    assert "Title: A title" in paper and "An abstract with $x^2$." in paper
    assert "Only the title and abstract are available" in paper
    assert "Markdown" in system and "TeX" in system and "not instructions" in system
    assert "A title" not in system and "abstract with" not in system
    assert messages[2]["content"] == QUESTIONS["en"][0]


def test_each_call_carries_the_answers_so_far() -> None:
    answered = [QA(QUESTIONS["zh"][0], "答一"), QA(QUESTIONS["zh"][1], "答二")]
    messages = conversation(PAPER, "zh", answered)
    assert [m["role"] for m in messages] == [
        "system", "user", "user", "assistant", "user", "assistant", "user",
    ]  # fmt: skip
    assert [m["content"] for m in messages[2:]] == [
        QUESTIONS["zh"][0], "答一", QUESTIONS["zh"][1], "答二", QUESTIONS["zh"][2],
    ]  # fmt: skip
    assert "请用中文" in messages[0]["content"] and "标题: A title" in messages[1]["content"]


def test_the_full_text_goes_in_when_fetched_and_is_cut_to_the_limit() -> None:
    paper = PaperText("2403.00001", 1, "T", "A", full_text="body " * MAX_FULL_TEXT_CHARS)
    text = conversation(paper, "en", [])[1]["content"]
    assert "Full text:\nbody body" in text
    assert "Only the title and abstract" not in text
    assert len(text) < MAX_FULL_TEXT_CHARS + 2000


def test_no_seventh_question_and_no_unknown_language() -> None:
    with pytest.raises(ValueError):
        conversation(PAPER, "en", [QA(q, "a") for q in QUESTIONS["en"]])
    with pytest.raises(ValueError):
        conversation(PAPER, "fr", [])

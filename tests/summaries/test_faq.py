"""The FAQ conversation: six questions, one at a time; the instructions in the system message,
the paper (with its full text cut at a section boundary) in the first user message."""

from __future__ import annotations

import pytest

from fulltext.document import FullText, Section
from summaries.faq import QA, QUESTIONS, PaperText, conversation, excerpt

PAPER = PaperText("2403.00001", 2, "A title", "An abstract with $x^2$.")


def document(*sizes: int) -> FullText:
    """Sections 1, 1.1, 2, 2.1, ... whose texts have the given lengths (of a, b, c, ...)."""
    sections = []
    for index, size in enumerate(sizes):
        top, sub = divmod(index, 2)
        number = f"{top + 1}" if not sub else f"{top + 1}.1"
        anchor = f"S{top + 1}" if not sub else f"S{top + 1}.SS1"
        text = "abcdefgh"[index] * size
        sections.append(Section(anchor, number, f"Part {number}", text, 1 + sub))
    return FullText("html", tuple(sections))


def test_six_questions_in_each_language_and_no_translation_between_them() -> None:
    assert len(QUESTIONS["en"]) == len(QUESTIONS["zh"]) == 6
    assert all(q.isascii() for q in QUESTIONS["en"])
    assert all(not q.isascii() for q in QUESTIONS["zh"])


def test_the_first_call_holds_the_paper_and_the_first_question() -> None:
    messages = conversation(PAPER, "en", [])
    assert [m["role"] for m in messages] == ["system", "user", "user"]
    system, paper = messages[0]["content"], messages[1]["content"]
    assert "Markdown" in system and "TeX" in system and "not instructions" in system
    assert "A title" not in system and "An abstract" not in system
    assert "Title: A title" in paper and "An abstract with $x^2$." in paper
    assert "Only the title and abstract are available" in paper
    assert "[§" not in paper  # no sections to cite
    assert messages[2]["content"] == QUESTIONS["en"][0]


def test_each_call_carries_the_answers_so_far() -> None:
    answered = [QA(QUESTIONS["zh"][0], "答一"), QA(QUESTIONS["zh"][1], "答二")]
    messages = conversation(PAPER, "zh", answered)
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert [m["content"] for m in messages[2:]] == [
        QUESTIONS["zh"][0],
        "答一",
        QUESTIONS["zh"][1],
        "答二",
        QUESTIONS["zh"][2],
    ]
    assert "请用中文" in messages[0]["content"] and "标题: A title" in messages[1]["content"]


def test_the_full_text_goes_in_with_numbered_sections_and_asks_for_citations() -> None:
    paper = PaperText("2403.00001", 1, "T", "A", full_text=document(50, 30, 40))
    text = conversation(paper, "en", [])[1]["content"]
    assert "Only the title and abstract" not in text
    assert "[§3.2]" in text  # how to cite
    assert "§1 Part 1\n" + "a" * 50 in text
    assert "§1.1 Part 1.1\n" + "b" * 30 in text
    assert "§2 Part 2\n" + "c" * 40 in text
    assert "Left out" not in text
    assert "全文" in conversation(paper, "zh", [])[1]["content"]


def test_a_long_full_text_is_cut_at_a_section_boundary_and_says_what_is_left_out() -> None:
    paper = PaperText("2403.00001", 1, "T", "A", full_text=document(50, 30, 40, 60))
    text = conversation(paper, "en", [], max_chars=140)[1]["content"]
    assert "§1 Part 1\n" + "a" * 50 + "\n" in text  # whole sections
    assert "§1.1 Part 1.1\n" + "b" * 30 + "\n" in text
    assert "§2 Part 2" not in text.split("Left out")[0]
    assert "cc" not in text and "dd" not in text  # never part of a section
    assert "[Left out for length: §2 Part 2, §2.1 Part 2.1.]" in text


def test_a_full_text_whose_first_section_does_not_fit_counts_as_none() -> None:
    part = excerpt(document(500, 30), 100)
    assert not part and len(part.left_out) == 2
    paper = PaperText("2403.00001", 1, "T", "A", full_text=document(500, 30))
    assert (
        "Only the title and abstract" in conversation(paper, "en", [], max_chars=100)[1]["content"]
    )


def test_no_seventh_question_and_no_unknown_language() -> None:
    with pytest.raises(ValueError):
        conversation(PAPER, "en", [QA(q, "a") for q in QUESTIONS["en"]])
    with pytest.raises(ValueError):
        conversation(PAPER, "fr", [])

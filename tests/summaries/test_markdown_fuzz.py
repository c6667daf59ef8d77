"""Property: whatever a model answers, its HTML holds only allowed markup, and soon."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summaries.markdown import MarkdownRenderer
from tests.web.hostile_text import hostile_text, markdown_offences, text_command
from web.tex import tex_to_mathml

render = MarkdownRenderer(tex_to_mathml, cache_size=0).render
# Answers: fragments, arbitrary characters and payloads in TeX text commands, as lines.
hostile_answer = st.lists(
    st.one_of(
        hostile_text,
        text_command.map("${}$".format),
        text_command.map("$$\n{}\n$$".format),
        text_command.map("\\({}\\)".format),
    ),
    max_size=4,
).map("\n".join)


@pytest.mark.serial
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_answer)
def test_answers_hold_only_allowed_markup(text: str) -> None:
    start = time.perf_counter()
    html = render(text)
    assert time.perf_counter() - start < 1.0
    assert markdown_offences(html) == []

"""Property: whatever a title or an abstract says, its HTML holds only allowed markup."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.hostile_text import hostile_text, tex_offences, text_command
from web.tex import render_text, tex_to_mathml

DELIMITERS = [("$", "$"), ("$$", "$$"), ("\\(", "\\)"), ("\\[", "\\]")]
fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.serial
@fuzz
@given(hostile_text)
def test_rendered_text_holds_only_allowed_markup(text: str) -> None:
    start = time.perf_counter()
    html = str(render_text(text))
    assert time.perf_counter() - start < 1.0
    assert tex_offences(html) == []


@fuzz
@given(hostile_text, st.booleans())
def test_formulas_hold_only_allowed_markup(tex: str, display: bool) -> None:
    html = tex_to_mathml(tex, display)
    if html is not None:
        assert html.startswith("<math") and tex_offences(html) == []


@fuzz
@given(st.lists(text_command, min_size=1, max_size=2).map(" ".join), st.sampled_from(DELIMITERS))
def test_text_commands_hold_only_allowed_markup(tex: str, delimiters: tuple[str, str]) -> None:
    opener, closer = delimiters
    html = str(render_text(f"Before {opener}{tex}{closer} after"))
    assert tex_offences(html) == []

"""The demo pages in a real Chromium: moving a control redraws the plots, without a reload."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

RECOMPUTE_TIMEOUT = 30_000  # ms: a loaded machine makes the heavier demos slow


@dataclass(frozen=True)
class Move:
    """A control to move on a demo page, and a script reading what should change."""

    slug: str
    control: str
    value: str
    watched: str  # a JavaScript expression giving a string
    select: bool = False


def path_d(figure: str, index: int = 0) -> str:
    return (
        f'document.querySelectorAll(\'#demo-results svg[data-figure="{figure}"] '
        f"path.plot-series')[{index}].getAttribute('d')"
    )


def attribute(figure: str, selector: str, name: str) -> str:
    return (
        f"document.querySelector('#demo-results svg[data-figure=\"{figure}\"] {selector}')"
        f".getAttribute('{name}')"
    )


def value(key: str) -> str:
    return f"document.querySelector('#demo-results [data-value=\"{key}\"]').textContent"


MOVES = [
    Move("tokenizer", "text", "Sampling segmentations makes models robust.", value("tokens")),
    Move(
        "segmentations", "alpha", "3", attribute("segmentations-bars", "rect.plot-series", "width")
    ),
    Move("tied-embeddings", "d", "128", path_d("tied-sweep")),
    Move("attention-scale", "kind", "cosine", path_d("attention-alpha"), select=True),
    Move("retry", "p_fail", "0.8", attribute("retry-attempts", "rect.plot-series", "height")),
    Move("length-extrapolation", "method", "direct", path_d("length-coverage"), select=True),
    Move("lossless-input", "image_size", "128", value("total_bits")),
    Move("fourier-density", "terms", "6", path_d("fourier-density", 1)),
]


def settle(page) -> None:
    page.wait_for_function(
        "() => !document.getElementById('demo-results').hasAttribute('aria-busy')",
        timeout=RECOMPUTE_TIMEOUT,
    )


@pytest.mark.parametrize("move", MOVES, ids=[m.slug for m in MOVES])
def test_moving_a_control_redraws_the_demo(page, console, move: Move):
    page.goto(f"/demos/{move.slug}")
    before = page.evaluate(move.watched)
    assert before
    field = page.locator(f"form[data-demo-form] [name='{move.control}']")
    if move.select:
        field.select_option(move.value)
    else:
        field.fill(move.value)
    page.wait_for_function(
        f"before => {{ try {{ return ({move.watched}) !== before; }} "
        "catch (e) { return false; } }",
        arg=before,
        timeout=RECOMPUTE_TIMEOUT,
    )
    settle(page)
    assert page.locator("[data-demo-error]").count() == 0
    # The address keeps the parameters, so that the page can be shared or reloaded.
    assert re.search(rf"[?&]{move.control}=", page.url)
    reloaded = page.evaluate(move.watched)
    page.reload()
    assert page.evaluate(move.watched) == reloaded
    screenshot(page, f"demo-{move.slug}", full_page=True)
    assert console.errors == []


def test_the_index_links_every_demo(page, console):
    page.goto("/demos")
    links = page.locator(".demo-index h2 a").evaluate_all("nodes => nodes.map(n => n.pathname)")
    assert len(links) == 8 and "/demos/tokenizer" in links and "/demos/retry" in links
    screenshot(page, "demo-index", full_page=True)
    page.click("text=Retry loops in a for statement")
    page.wait_for_url(re.compile(r"/demos/retry$"))
    assert page.locator("#demo-results svg").count() == 2
    assert console.errors == []


def test_a_bad_value_shows_the_error_in_place(page, console):
    page.goto("/demos/retry")
    page.fill("form[data-demo-form] [name='tries']", "99")
    error = page.locator("#demo-results [data-demo-error]")
    error.wait_for(timeout=RECOMPUTE_TIMEOUT)
    assert "tries must be between 1 and 20" in error.inner_text()
    page.fill("form[data-demo-form] [name='tries']", "3")
    page.locator("#demo-results svg[data-figure='retry-attempts']").wait_for(
        timeout=RECOMPUTE_TIMEOUT
    )
    assert page.locator("#demo-results [data-demo-error]").count() == 0
    # the 400 answer of the fragment is reported by the browser as a failed resource
    assert all("400" in e for e in console.errors)


def test_the_form_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/demos/attention-scale")
    page.fill("form[data-demo-form] [name='n']", "512")
    page.click("form[data-demo-form] button[type=submit]")
    page.wait_for_url(re.compile(r"n=512"))
    assert page.locator("[data-value='alpha_star']").inner_text() == "2.0084"


def test_plots_follow_the_dark_theme(new_context, console):
    page = new_context(color_scheme="dark").new_page()
    console.attach(page)
    page.goto("/demos/fourier-density?terms=8")
    title = page.locator("svg[data-figure='fourier-density'] .plot-title")
    assert title.evaluate("node => getComputedStyle(node).fill") == "rgb(230, 230, 233)"
    screenshot(page, "demo-fourier-density-dark", full_page=True)
    assert console.errors == []

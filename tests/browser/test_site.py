"""The site in a real Chromium: math, lists, days, keywords, stars, export, themes, phones."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import screenshot
from tests.web.data import CY_ID, MATH_ID, REPLACED_ID, XSS_ID, XSS_TITLE

pytestmark = pytest.mark.browser


def listed_ids(page) -> list[str]:
    return page.locator("article.paper[data-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.id)"
    )


def visible_ids(page) -> list[str]:
    return page.locator("article.paper[data-id]:visible").evaluate_all(
        "nodes => nodes.map(n => n.dataset.id)"
    )


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_list_renders_math_as_mathml(page, console):
    page.goto("/arxiv/cs.AI")
    title_math = page.locator(f"article[data-id='{MATH_ID}'] .title math")
    assert title_math.count() == 1
    box = title_math.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 5  # drawn by the browser, not hidden
    assert page.locator(f"article[data-id='{MATH_ID}'] .abstract math msubsup").count() == 1
    assert (
        "A GPU costs $5 and a TPU $10 per hour."
        in page.locator(f"article[data-id='{MATH_ID}'] .abstract").inner_text()
    )
    screenshot(page, "list-desktop")
    screenshot(page, "list-desktop-full", full_page=True)
    assert console.errors == []


def test_merged_and_difference_lists(page):
    page.goto("/arxiv/cs.CL,cs.LG")
    merged = listed_ids(page)
    assert len(merged) == len(set(merged)) == 4
    page.goto("/arxiv/cs.AI+cs.LG-cs.CY")
    difference = listed_ids(page)
    assert CY_ID not in difference and MATH_ID in difference
    page.goto("/arxiv/cs.AI+cs.LG")
    assert CY_ID in listed_ids(page)
    assert page.locator("h1").inner_text().startswith("cs.AI, cs.LG")


def test_date_navigation_and_picker(page):
    page.goto("/arxiv/cs.AI")
    assert "2024-11-28" in page.locator("h1").inner_text()
    page.click("a.prev-day")
    page.wait_for_url(re.compile(r"date=2024-11-27"))
    assert listed_ids(page) == ["2411.09001"]
    page.click("a.next-day")
    page.wait_for_url(re.compile(r"date=2024-11-28"))
    assert MATH_ID in listed_ids(page)
    page.fill("input[type=date]", "2024-11-26")
    page.wait_for_url(re.compile(r"date=2024-11-26"))
    assert listed_ids(page) == ["2411.08001"]
    page.click("[data-types='new']")
    page.wait_for_url(re.compile(r"types=new"))
    assert "date=2024-11-26" in page.url


def test_type_toggle(page):
    page.goto("/arxiv/cs.AI")
    assert REPLACED_ID in listed_ids(page)
    page.click("[data-types='cross']")
    page.wait_for_url(re.compile(r"types=cross"))
    assert REPLACED_ID not in listed_ids(page) and "2411.10002" in listed_ids(page)
    page.click("[data-types='new']")
    page.wait_for_url(re.compile(r"types=new"))
    assert "2411.10002" not in listed_ids(page)


def apply_keywords(page, include="", exclude="", mode="or", only=False):
    bar = page.locator("[data-keyword-bar]")
    if not bar.evaluate("d => d.open"):
        page.click("[data-keyword-bar] summary")
    page.fill("textarea[name=include]", include)
    page.fill("textarea[name=exclude]", exclude)
    page.check(f"[data-keyword-form] input[name=mode][value={mode}]")
    page.set_checked("[data-keyword-form] input[name=only]", only)
    with page.expect_navigation():
        page.click("[data-keyword-form] button[type=submit]")


def test_keyword_bar(page, new_context):
    page.goto("/arxiv/cs.AI")
    apply_keywords(page, "transformer\nattention")
    assert query_of(page)["include"] == ["transformer\nattention"]
    marks = page.locator("article mark").all_inner_texts()
    assert {"Attention", "attention", "transformer"} <= set(marks)
    assert page.locator("article.match").count() == 2
    assert page.locator("article.nomatch").count() == 3
    assert page.locator("math mark").count() == 0
    screenshot(page, "list-keywords")

    apply_keywords(page, "transformer\nattention", mode="and")
    assert query_of(page)["mode"] == ["and"]
    assert [
        a for a in page.locator("article.match").evaluate_all("ns => ns.map(n => n.dataset.id)")
    ] == [MATH_ID]

    apply_keywords(page, "transformer", exclude="Grace Hopper", only=True)
    assert visible_ids(page) == [MATH_ID]
    shared_url = page.url

    # the URL alone gives the same view, with the form filled in, in a new browser
    other = new_context().new_page()
    other.goto(shared_url)
    assert visible_ids(other) == [MATH_ID]
    assert other.input_value("textarea[name=include]") == "transformer"
    assert other.input_value("textarea[name=exclude]") == "Grace Hopper"
    assert other.is_checked("[data-keyword-form] input[name=only]")

    # remembered in this browser: the bare list opens with the keywords applied
    page.goto("/arxiv/cs.AI")
    page.wait_for_url(re.compile(r"include=transformer"))
    assert visible_ids(page) == [MATH_ID]
    page.click("[data-keyword-clear]")
    page.wait_for_load_state()
    page.goto("/arxiv/cs.AI")
    assert "include" not in page.url
    assert len(listed_ids(page)) == 5


def test_stars_and_reading_history_survive_a_reload(page):
    page.goto("/arxiv/cs.AI")
    page.click(f"article[data-id='{MATH_ID}'] [data-star]")
    page.click(f"article[data-id='{XSS_ID}'] [data-read]")
    page.reload()
    math = page.locator(f"article[data-id='{MATH_ID}']")
    assert math.locator("[data-star]").inner_text() == "★"
    assert "starred" in math.get_attribute("class")
    read = page.locator(f"article[data-id='{XSS_ID}']")
    assert "read" in read.get_attribute("class").split()
    assert float(read.evaluate("n => getComputedStyle(n).opacity")) < 0.8
    assert page.locator("[data-star-count]").first.inner_text().strip() == "1"
    # the paper page knows too
    page.goto(f"/arxiv/{MATH_ID}")
    assert page.locator("[data-star]").inner_text() == "★"
    page.click("[data-read]")
    page.goto("/arxiv/cs.AI")
    assert "read" in page.locator(f"article[data-id='{MATH_ID}']").get_attribute("class")


def test_starred_page_export_link_and_bibtex_on_another_device(page, new_context, site_url):
    page.goto("/arxiv/cs.AI")
    page.click(f"article[data-id='{MATH_ID}'] [data-star]")
    page.click("article[data-id='2411.10002'] [data-star]")
    page.goto("/starred")
    page.wait_for_selector("[data-starred-list][data-loaded]")
    assert listed_ids(page) == ["2411.10002", MATH_ID]  # latest star first
    assert page.locator(f"article[data-id='{MATH_ID}'] .title math").count() == 1
    export_url, _, seen = page.input_value("[data-export-url]").partition("#")
    assert export_url == f"{site_url}/starred?ids=2411.10002,{MATH_ID}"
    assert seen.startswith("seen=")  # the papers seen in this browser travel with the stars
    bibtex_href = page.get_attribute("[data-bibtex]", "href")
    bibtex = page.request.get(site_url + bibtex_href).text()
    assert bibtex.count("@misc{") == 2
    screenshot(page, "starred")

    fresh = new_context().new_page()
    fresh.goto(export_url)
    assert listed_ids(fresh) == ["2411.10002", MATH_ID]
    fresh.click("[data-import-stars]")
    fresh.goto("/starred")
    fresh.wait_for_selector("[data-starred-list][data-loaded]")
    assert sorted(listed_ids(fresh)) == sorted(["2411.10002", MATH_ID])


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_dark_mode_follows_the_system_and_can_be_switched(new_context):
    dark = new_context(color_scheme="dark").new_page()
    dark.goto("/arxiv/cs.AI")
    assert background(dark) == "rgb(21, 22, 26)"
    screenshot(dark, "list-dark")
    dark.click("[data-theme-toggle]")  # auto -> light
    assert dark.get_attribute("html", "data-theme") == "light"
    assert background(dark) == "rgb(255, 255, 255)"
    dark.reload()
    assert background(dark) == "rgb(255, 255, 255)"  # kept in a cookie

    light = new_context(color_scheme="light").new_page()
    light.goto("/arxiv/cs.AI")
    assert background(light) == "rgb(255, 255, 255)"
    light.click("[data-theme-toggle]")  # auto -> light
    light.click("[data-theme-toggle]")  # light -> dark
    assert background(light) == "rgb(21, 22, 26)"
    light.goto(f"/arxiv/{MATH_ID}")
    assert background(light) == "rgb(21, 22, 26)"
    screenshot(light, "paper-dark")


def test_phone_layout(new_context, console):
    phone = new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    ).new_page()
    console.attach(phone)
    for path, name in (("/arxiv/cs.AI", "list-phone"), (f"/arxiv/{MATH_ID}", "paper-phone")):
        phone.goto(path)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        font = phone.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.abstract')).fontSize)"
        )
        assert font >= 14
        screenshot(phone, name)
    assert console.errors == []


def test_xss_payload_in_a_title_is_inert(page, console):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/arxiv/cs.AI", f"/arxiv/{XSS_ID}", f"/starred?ids={XSS_ID}"):
        page.goto(path)
        assert page.evaluate("window.__xss") is None
        title = page.locator(f"[data-id='{XSS_ID}'] .title").first.inner_text()
        assert re.sub(r"^\d+\. ", "", title) == XSS_TITLE  # lists number their entries
        assert page.locator(f"[data-id='{XSS_ID}'] img").count() == 0
    assert dialogs == []
    assert console.errors == []


def test_pages_read_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/arxiv/cs.AI")
    assert len(listed_ids(page)) == 5
    assert page.locator("article math").count() >= 2
    assert page.locator("[data-star]:visible").count() == 0  # script-only controls hidden
    page.click("a.prev-day")
    assert listed_ids(page) == ["2411.09001"]
    page.goto("/arxiv/cs.AI?include=transformer&only=1")
    assert listed_ids(page) == [MATH_ID, "2411.10002"]


def test_chinese_interface(page):
    page.goto("/arxiv/cs.AI?lang=zh")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "前一天" in page.locator("a.prev-day").inner_text()
    assert page.locator(f"article[data-id='{MATH_ID}'] [data-read]").inner_text() == "标为已读"
    screenshot(page, "list-zh")
    page.click("a.lang-switch")
    page.wait_for_load_state()
    assert "Previous day" in page.locator("a.prev-day").inner_text()


def test_home_and_paper_pages(page, console):
    page.goto("/")
    screenshot(page, "home")
    page.fill("#cats", "cs.AI+cs.LG-cs.CY")
    page.click("form.combine button")
    page.wait_for_url(re.compile(r"/arxiv/cs\.AI\+cs\.LG-cs\.CY$"))
    assert CY_ID not in listed_ids(page)
    page.goto(f"/arxiv/{REPLACED_ID}")
    assert page.locator(".versions li").count() == 2
    screenshot(page, "paper", full_page=True)
    assert console.errors == []

"""The reading pages through Starlette's TestClient: lists, paper pages, errors, preferences."""

from __future__ import annotations

import re

import pytest

from tests.web.data import CY_ID, MANY_AUTHORS_ID, MATH_ID, REPLACED_ID, XSS_ID

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def ids_on(html: str) -> list[str]:
    return re.findall(r'<article class="paper[^"]*" id="([^"]+)"', html)


def test_latest_day_of_a_category_is_listed_in_arxiv_order(client):
    response = client.get("/arxiv/cs.AI")
    assert response.status_code == 200
    html = response.text
    assert "2024-11-28" in html
    # new first, then cross-lists, then replacements; each paper once
    assert ids_on(html) == [MATH_ID, XSS_ID, MANY_AUTHORS_ID, "2411.10002", REPLACED_ID]
    assert 'rel="prev" href="/arxiv/cs.AI?date=2024-11-27"' in html
    assert 'rel="next"' not in html


def test_any_day_with_previous_and_next_links(client):
    html = client.get("/arxiv/cs.AI?date=2024-11-27").text
    assert ids_on(html) == ["2411.09001"]
    assert 'href="/arxiv/cs.AI?date=2024-11-26"' in html
    assert 'href="/arxiv/cs.AI?date=2024-11-28"' in html
    assert ids_on(client.get("/arxiv/cs.AI?date=2024-11-30").text) == []


def test_merged_categories_list_each_paper_once(client):
    html = client.get("/arxiv/cs.CL,cs.LG").text
    listed = ids_on(html)
    assert sorted(listed) == sorted(["2411.10002", MATH_ID, CY_ID, REPLACED_ID])
    assert len(listed) == len(set(listed))
    # 2411.10002 is new in cs.CL: it is listed as new although it is only a cross-list in cs.AI
    assert ids_on(client.get("/arxiv/cs.AI,cs.CL?types=new").text).count("2411.10002") == 1


def test_difference_removes_papers_of_the_excluded_category(client):
    union = ids_on(client.get("/arxiv/cs.AI+cs.LG").text)
    difference = ids_on(client.get("/arxiv/cs.AI+cs.LG-cs.CY").text)
    assert CY_ID in union
    assert difference == [i for i in union if i != CY_ID]


def test_type_toggle(client):
    assert ids_on(client.get("/arxiv/cs.AI?types=new").text) == [MATH_ID, XSS_ID, MANY_AUTHORS_ID]
    crossed = ids_on(client.get("/arxiv/cs.AI?types=cross").text)
    assert crossed == [MATH_ID, XSS_ID, MANY_AUTHORS_ID, "2411.10002"]
    html = client.get("/arxiv/cs.AI?types=cross").text
    assert 'data-types="cross" class="current"' in html
    assert client.get("/arxiv/cs.AI?types=old").status_code == 400


def test_math_is_mathml_and_prices_stay_text(client):
    html = client.get("/arxiv/cs.AI").text
    assert "<math><mi>O</mi>" in html  # the title's O(n log n)
    assert '<munder><mo lspace="0">∑</mo><mi>i</mi></munder>' in html  # the abstract's sum
    assert "A GPU costs $5 and a TPU $10 per hour." in html
    assert "Schrödinger" in html


def test_arxiv_text_is_escaped(client):
    html = client.get("/arxiv/cs.AI").text
    assert "<script>window.__xss" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;not&lt;/i&gt;" in html
    page = client.get(f"/arxiv/{XSS_ID}").text
    assert "<script>window.__xss" not in page and "&lt;script&gt;" in page


def test_links_and_copy_button(client):
    html = client.get("/arxiv/cs.AI").text
    assert f'href="https://arxiv.org/pdf/{MATH_ID}"' in html
    assert f'href="https://arxiv.org/abs/{MATH_ID}"' in html
    assert f'href="https://arxiv.org/html/{MATH_ID}v1"' in html
    # published in November 2023, before arXiv's HTML: no HTML link
    assert f"arxiv.org/html/{REPLACED_ID}" not in html
    assert f'data-id="{MATH_ID}" data-title="Attention in $O(n \\log n)$ time"' in html


def test_long_author_lists_are_folded(client):
    html = client.get("/arxiv/cs.AI").text
    entry = html[html.index(f'id="{MANY_AUTHORS_ID}"') :]
    entry = entry[: entry.index("</article>")]
    assert "+20 more authors" in entry
    assert entry.index("Author Number10<") < entry.index("<details") < entry.index("Number11<")


def test_keywords_highlight_and_filter(client):
    html = client.get("/arxiv/cs.AI", params={"include": "transformer\nattention"}).text
    assert "<mark>Attention</mark> in <math" in html
    assert "<mark>transformer</mark> reads them" in html
    assert "3 of 5 papers match" not in html  # OR: two papers match
    assert "2 of 5 papers match" in html
    assert re.search(r'class="paper nomatch" id="' + re.escape(XSS_ID), html)

    both = client.get("/arxiv/cs.AI", params={"include": "transformer\nattention", "mode": "and"})
    assert "1 of 5 papers match" in both.text

    only = client.get("/arxiv/cs.AI", params={"include": "transformer", "only": "1"}).text
    assert ids_on(only) == [MATH_ID, "2411.10002"]

    excluded = client.get("/arxiv/cs.AI", params={"exclude": "Grace Hopper", "only": "1"}).text
    assert "2411.10002" not in ids_on(excluded)
    assert len(ids_on(excluded)) == 4


def test_keywords_match_authors_and_never_mark_inside_math(client):
    html = client.get("/arxiv/cs.AI", params={"include": "Lovelace\nlog"}).text
    assert '<span class="author">Ada <mark>Lovelace</mark></span>' in html
    assert "<mi><mark>" not in html and "<mark>log</mark></mi>" not in html


def test_keyword_state_is_kept_in_the_links_of_the_page(client):
    html = client.get("/arxiv/cs.AI", params={"include": "agents", "only": "1"}).text
    assert 'href="/arxiv/cs.AI?date=2024-11-27&amp;include=agents&amp;only=1"' in html
    assert '<textarea name="include" rows="3" spellcheck="false">agents</textarea>' in html
    assert '<input type="checkbox" name="only" value="1" checked>' in html


def test_paper_page_has_metadata_versions_and_extension_points(client):
    html = client.get(f"/arxiv/{REPLACED_ID}").text
    assert "Revised results on graph neural networks" in html
    assert 'class="versions"' in html and "v1</a>" in html and "v2</a>" in html
    assert "200kb" in html
    assert 'class="related"' in html
    math_page = client.get(f"/arxiv/{MATH_ID}").text
    assert "<math" in math_page
    assert 'href="https://doi.org/10.1234/example"' in math_page
    assert '<meta name="citation_title" content="Attention in $O(n \\log n)$ time">' in math_page
    assert "2024-11-28 cs.AI (new)" in math_page


def test_versioned_and_old_style_ids_open_the_paper_page(client):
    assert client.get(f"/arxiv/{MATH_ID}v1").status_code == 200
    assert client.get("/arxiv/hep-th/9901001").status_code == 404  # an id, not in the archive
    response = client.get("/arxiv/hep-th/9901001")
    assert "no paper hep-th/9901001" in response.text


def test_errors(client):
    assert client.get("/arxiv/not-a-category!").status_code == 404
    assert client.get("/arxiv/nope.XX").status_code == 404
    bad_date = client.get("/arxiv/cs.AI?date=2024-13-01")
    assert bad_date.status_code == 400
    assert "YYYY-MM-DD" in bad_date.text
    assert client.get("/no/such/page").status_code == 404


def test_home_lists_categories_and_combines_them(client):
    html = client.get("/").text
    assert 'href="/arxiv/cs.AI"' in html and 'href="/arxiv/cs.CY"' in html
    response = client.get("/arxiv", params={"cats": "cs.AI+cs.LG-cs.CY"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/arxiv/cs.AI+cs.LG-cs.CY"


def test_nav_links_and_strict_csp(client):
    response = client.get("/arxiv/cs.AI")
    html = response.text
    for target in ("/search", "/demos", "/starred"):
        assert f'href="{target}"' in html
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "<script>" not in html and " style=" not in html
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/early.js">',
        '<script src="/static/app.js" defer>',
        '<script src="/static/summary.js" defer>',  # the FAQ under an entry
    ]
    # no request leaves the site: only links point to arXiv
    assert not re.search(r'(src|href)="https?://(?!arxiv\.org/|doi\.org/)', html)
    assert not re.search(r'src="https?://', html)


def test_language_from_header_query_and_cookie(client):
    assert "分类" in client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"}).text
    assert "Categories" in client.get("/", headers={"accept-language": "en-US,zh;q=0.5"}).text
    response = client.get("/arxiv/cs.AI?lang=zh")
    assert "前一天" in response.text
    assert "lang=zh" in response.headers["set-cookie"]
    assert "前一天" in client.get("/arxiv/cs.AI").text  # the cookie holds
    client.get("/?lang=en")
    assert "Previous day" in client.get("/arxiv/cs.AI").text


def test_lang_on_the_api_does_not_switch_the_interface(client):
    response = client.get("/api/list/cs.AI?lang=zh")
    assert "set-cookie" not in response.headers
    assert "Previous day" in client.get("/arxiv/cs.AI").text


def test_theme_switch_without_javascript(client):
    response = client.get(
        "/prefs", params={"theme": "dark", "next": "/arxiv/cs.AI"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/arxiv/cs.AI"
    assert "theme=dark" in response.headers["set-cookie"]
    assert '<html lang="en" data-theme="dark">' in client.get("/arxiv/cs.AI").text
    evil = client.get("/prefs", params={"next": "//evil.example/"}, follow_redirects=False)
    assert evil.headers["location"] == "/"


def test_starred_page_and_shared_link(client):
    own = client.get("/starred").text
    assert "data-starred-list" in own and "/static/starred.js" in own
    shared = client.get("/starred", params={"ids": f"{MATH_ID},{XSS_ID},9999.99999,junk"}).text
    assert ids_on(shared) == [MATH_ID, XSS_ID]
    assert f"/api/bibtex?ids={MATH_ID}%2C{XSS_ID}" in shared
    assert "data-import-stars" in shared


def test_list_pages_are_cached_until_the_data_changes(client, filled_settings):
    import asyncio

    from models.db import create_engine, session_factory
    from tests.indexed import ingest
    from tests.web.data import DAY3, paper

    first = client.get("/arxiv/cs.AI").text
    assert client.get("/arxiv/cs.AI").text == first
    cache = client.app.state.page_cache
    assert (cache.hits, cache.misses) == (1, 1)

    async def add() -> None:
        engine = create_engine(settings=filled_settings)
        async with session_factory(engine).begin() as session:
            await ingest(session, [paper("2411.10099", "A late arrival", ("cs.AI",), DAY3)])
        await engine.dispose()

    asyncio.run(add())
    cache._checked_at = float("-inf")  # as if check_interval had passed
    assert "A late arrival" in client.get("/arxiv/cs.AI").text


def test_cached_lists_are_sent_gzipped_to_clients_that_accept_it(client):
    plain = client.get("/arxiv/cs.AI", headers={"accept-encoding": "identity"})
    again = client.get("/arxiv/cs.AI", headers={"accept-encoding": "gzip"})
    assert again.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in again.headers["vary"]
    assert again.text == plain.text  # decoded by the client
    identity = client.get("/arxiv/cs.AI", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in identity.headers

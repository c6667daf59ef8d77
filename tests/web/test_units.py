"""Small parts of the site: keyword filters, language negotiation, the page cache, BibTeX."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape
from starlette.datastructures import Headers
from starlette.responses import HTMLResponse

from web.bibtex import bibtex
from web.cache import PageCache
from web.i18n import _from_accept_language
from web.keywords import KeywordFilter
from web.tex import _parts, render_text


def fake_paper(title: str, abstract: str = "", authors: tuple[str, ...] = (), **more):
    return SimpleNamespace(
        id=more.get("id", "2401.00001"),
        title=title,
        abstract=abstract,
        authors=[SimpleNamespace(name=a) for a in authors],
        published=more.get("published"),
        primary_category="cs.CL",
        doi=None,
    )


def test_keyword_filter_from_query_and_back():
    params = {"include": " A \r\nb\n\nA", "exclude": "c", "mode": "AND", "only": "on"}
    keywords = KeywordFilter.from_query(params)
    assert keywords == KeywordFilter(("A", "b"), ("c",), "and", True)
    assert KeywordFilter.from_query(dict(keywords.query_items())) == keywords
    assert KeywordFilter.from_query({}).query_items() == []


def test_keyword_verdicts():
    paper = fake_paper(r"Schr\"odinger bridges", "Diffusion models.", ("Ada Lovelace",))
    judge = KeywordFilter(("schrödinger", "lovelace"), mode="and").matcher().judge
    assert judge(paper).matches
    assert not KeywordFilter(("schrödinger", "gan"), mode="and").matcher().judge(paper).matches
    assert KeywordFilter(("schrödinger", "gan")).matcher().judge(paper).matches
    excluded = KeywordFilter(("bridges",), ("diffusion",)).matcher().judge(paper)
    assert (excluded.matches, excluded.excluded, excluded.found) == (False, True, True)
    assert not KeywordFilter(("gan",), ("diffusion",)).matcher().judge(paper).found


def test_highlight_escapes_and_marks_longest_keyword_first():
    highlight = KeywordFilter(("net", "network")).matcher().highlight
    assert highlight is not None
    assert highlight("<b> Network & net") == (
        "&lt;b&gt; <mark>Network</mark> &amp; <mark>net</mark>"
    )
    assert highlight("\0<Net>'") == "\0&lt;<mark>Net</mark>&gt;&#39;"
    assert highlight.finds("NETWORK") and not highlight.finds("ne t")
    assert KeywordFilter((), ("net",)).matcher().highlight is None


def marked(words: tuple[str, ...], text: str) -> str:
    """The marks as the keyword bar means them: each match in any case, escaped."""
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    out, position = [], 0
    for match in re.finditer(pattern, text, re.IGNORECASE):
        out += (escape(text[position : match.start()]), f"<mark>{escape(match[0])}</mark>")
        position = match.end()
    return "".join(map(str, out)) + str(escape(text[position:]))


LETTERS = st.sampled_from("aAbBkKsS\u212a\u017f\u0130i &<>\"'\0é")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(LETTERS, min_size=1, max_size=4), min_size=1, max_size=3), st.text(LETTERS))
def test_highlight_marks_what_matching_in_any_case_marks(words: list[str], text: str):
    highlight = KeywordFilter(tuple(words)).matcher().highlight
    assert highlight is not None
    assert highlight(text) == marked(tuple(dict.fromkeys(words)), text)
    assert highlight.finds(text) == ("<mark>" in highlight(text))


def marked_text(text: str, words: tuple[str, ...]) -> str:
    """A text rendered with the keyword bar's marks, each plain part marked on its own."""
    marks = KeywordFilter(words).matcher().highlight
    assert marks is not None
    return "".join(html if plain is None else marks(plain) for plain, html in _parts(text).parts)


TEXT_PIECES = ["ab", "AB", "b a", "\n", "$a$", "$$b$$", "\\(a\\)", " & <", "\\$", "k", "\0"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("abk \0", min_size=1, max_size=3), min_size=1, max_size=2),
    st.lists(st.sampled_from(TEXT_PIECES), max_size=12),
)
def test_a_text_is_marked_part_by_part_whatever_its_lines_and_math(words, pieces):
    """Marked in one call over all its plain parts (``Rendered.plain``), a text is marked as
    each part would be on its own: line breaks inside parts, math between them."""
    text = "".join(pieces)
    marks = KeywordFilter(tuple(words)).matcher().highlight
    assert str(render_text(text, marks)) == marked_text(text, tuple(words))


def test_a_keyword_holds_no_line_break():
    """Keywords are lines: one given with a line break in it is two, and marks no text across
    the break (nor across the math between two parts of a text)."""
    marks = KeywordFilter(("b\na",)).matcher().highlight
    assert marks is not None
    assert marks("b\na") == "<mark>b</mark>\n<mark>a</mark>"
    assert str(render_text("ab $x$ ab", marks)).count("<mark>") == 4


def test_accept_language():
    assert _from_accept_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert _from_accept_language("fr-FR, en;q=0.5, zh;q=0.7") == "zh"
    assert _from_accept_language("fr") is None
    assert _from_accept_language("zh;q=0, en") == "en"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def one_version(session):
    """The page cache's data version, which never moves here."""
    return (1,)


class _NoSessions:
    """Sessions for the page cache's version check, which ``one_version`` answers."""

    def __call__(self, **options):
        return self

    async def __aenter__(self):
        return None

    async def __aexit__(self, *exc):
        return False


NO_SESSIONS = _NoSessions()


async def test_page_cache_expires_and_bounds_memory(monkeypatch):
    import web.cache

    monkeypatch.setattr(web.cache, "data_version", one_version)
    clock = FakeClock()
    cache = PageCache(max_bytes=1000, max_age=10.0, clock=clock)
    rendered: list[str] = []

    def render(key: str, size: int = 100):
        async def make():
            rendered.append(key)
            return HTMLResponse("x" * size)

        return make

    for _ in range(3):
        await cache.page("a", NO_SESSIONS, render("a"))
    assert rendered == ["a"]
    clock.now = 11.0
    response = await cache.page("a", NO_SESSIONS, render("a"))
    assert rendered == ["a", "a"]
    assert response.headers["content-type"].startswith("text/html")
    for key in "bcde":  # 100 + 4 * 250 bytes: over 1000, so "a", the oldest, leaves
        await cache.page(key, NO_SESSIONS, render(key, 250))
    await cache.page("a", NO_SESSIONS, render("a"))  # rendered again; "b" leaves
    await cache.page("c", NO_SESSIONS, render("c", 250))
    assert rendered == ["a", "a", "b", "c", "d", "e", "a"]
    await cache.page("b", NO_SESSIONS, render("b", 250))
    assert rendered[-1] == "b"
    assert cache.hits == 3


def test_bibtex_keys_are_unique_and_specials_escaped():
    published = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    papers = [
        fake_paper("Deep nets & 50% gains", authors=("Émile Noël",), published=published),
        fake_paper("Deep nets again", authors=("Emile Noel",), published=published, id="2"),
    ]
    text = bibtex(papers)
    assert "@misc{noel2024deep," in text and "@misc{noel2024deepa," in text
    assert r"Deep nets \& 50\% gains" in text


async def test_page_cache_renders_a_missing_page_once_for_concurrent_requests(monkeypatch):
    import asyncio

    import web.cache

    monkeypatch.setattr(web.cache, "data_version", one_version)
    cache = PageCache(clock=FakeClock())
    rendered: list[str] = []
    release = asyncio.Event()

    async def render():
        rendered.append("page")
        await release.wait()
        return HTMLResponse("the page")

    async def failing():
        rendered.append("error")
        await release.wait()
        return HTMLResponse("no", status_code=404)

    readers = [asyncio.create_task(cache.page("a", NO_SESSIONS, render)) for _ in range(8)]
    await asyncio.sleep(0)
    release.set()
    responses = await asyncio.gather(*readers)
    assert rendered == ["page"]
    assert {r.body for r in responses} == {b"the page"} and cache.shared == 7

    release.clear()
    errors = [asyncio.create_task(cache.page("b", NO_SESSIONS, failing)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    answers = await asyncio.gather(*errors)
    assert {r.status_code for r in answers} == {404}  # not kept: each renders its own
    assert rendered.count("error") == 3


async def test_a_large_page_is_sent_gzipped_fast_then_kept_smaller(monkeypatch):
    import gzip
    import random

    import web.cache

    monkeypatch.setattr(web.cache, "data_version", one_version)
    cache = PageCache(clock=FakeClock())
    words = random.Random(7).choices([f"w{i}" for i in range(3000)], k=40_000)
    page = "<p>" + " ".join(words) + "</p>"
    assert len(page) > web.cache.AT_ONCE_BYTES

    async def render():
        return HTMLResponse(page)

    asks = Headers({"accept-encoding": "gzip"})
    first = await cache.page("a", NO_SESSIONS, render, asks)
    assert gzip.decompress(first.body).decode() == page
    await cache.settled()
    again = await cache.page("a", NO_SESSIONS, render, asks)
    assert gzip.decompress(again.body).decode() == page
    assert len(again.body) < len(first.body)  # made again, smaller
    assert again.headers["etag"] == first.headers["etag"]
    assert cache._size == len(page) + len(again.body)

    await cache.page("b", NO_SESSIONS, render, asks)
    cache.clear()  # gone before its gzip is made again: not kept again
    await cache.settled()
    assert cache._size == 0 and cache.hits == 1

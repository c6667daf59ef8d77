"""``web.templating``: list entries kept as UTF-8 and spliced into their page."""

from __future__ import annotations

import asyncio
import re

import pytest
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.testclient import TestClient

from crawler.records import PaperRecord
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.indexed import ingest
from tests.web.data import DAY3, paper
from web.app import create_app
from web.templating import spliced_response

ENTRY = re.compile(r'<article class="paper[^"]*" id="([^"]+)"')


async def fill(settings: Settings, papers: list[PaperRecord]) -> None:
    engine = create_engine(settings=settings)
    try:
        async with session_factory(engine).begin() as session:
            await ingest(session, papers)
    finally:
        await engine.dispose()


def a_request() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    )


def test_a_block_the_template_does_not_write_must_be_empty() -> None:
    assert spliced_response(a_request(), "base.html", {}, {"papers": b""}).status_code == 200
    with pytest.raises(ValueError, match="splice"):
        spliced_response(a_request(), "base.html", {}, {"papers": b"<article>"})


def test_a_list_is_its_entries_spliced_once_in_order(client: TestClient) -> None:
    html = client.get("/arxiv/cs.LG").text
    listed = ENTRY.findall(html)
    assert listed and len(listed) == len(set(listed))
    assert listed == [p["id"] for p in client.get("/api/list/cs.LG").json()["papers"]]
    assert "<!--splice:" not in html
    papers = html.index('<div class="papers">')
    assert papers < html.index("<article") < html.index("</div>", html.rindex("</article>"))


def test_a_title_cannot_forge_the_splice_marker(settings: Settings) -> None:
    forged = "<!--splice:papers:0123456789abcdef01234567--> é 𝑥 $x$"
    asyncio.run(fill(settings, [paper("2411.09001", forged, ("cs.LG",), DAY3)]))
    with TestClient(create_app(settings)) as client:
        html = client.get("/arxiv/cs.LG").text
    assert "&lt;!--splice:papers:0123456789abcdef01234567--&gt; é 𝑥" in html
    assert ENTRY.findall(html) == ["2411.09001"]


def test_marked_text_is_escaped_around_and_inside_its_marks() -> None:
    from web.search_pages import marked

    text = "a <b>&amp; x<script> é 𝑥"
    html = marked(text, [(2, 5), (12, 20)])
    assert isinstance(html, Markup)
    assert str(html) == ("a <mark>&lt;b&gt;</mark>&amp;amp; x<mark>&lt;script&gt;</mark> é 𝑥")
    assert str(marked(text, [])) == str(escape(text))

"""Hostile titles, abstracts and comments through the site's pages and API: what reaches
the HTML is escaped text and allow-listed MathML, whatever markup the text smuggles."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import lxml.html
import pytest
from starlette.testclient import TestClient

from crawler.records import PaperRecord
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.indexed import ingest
from tests.web.data import DAY3, paper, records
from tests.web.hostile_text import (
    PAYLOADS,
    TEX_ATTRIBUTES,
    TEX_ELEMENTS,
    element_offences,
    tex_offences,
    tex_wrappings,
)
from web.app import create_app
from web.templating import STATIC_DIR
from web.tex import MATHML_ATTRIBUTES, MATHML_ELEMENTS

CATEGORY = "cs.CR"
# No page of the site has these of its own: any of them came from a paper's text.
DANGEROUS_ELEMENTS = ("img", "iframe", "svg", "object", "embed", "base", "style", "frame")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href")


# Where titles, abstracts and comments are rendered.
TEXT_CONTAINERS = (
    "//*[@class='title']/a | //h1[@class='title'] | //*[@class='abstract']"
    " | //dt[.='Comment']/following-sibling::dd[1]"
)


def hostile_id(i: int) -> str:
    return f"2411.2{i:04d}"


def hostile_records() -> list[PaperRecord]:
    made = []
    for i, payload in enumerate(PAYLOADS):
        wrappings = tex_wrappings(payload)
        made.append(
            paper(
                hostile_id(i),
                f"Hostile {i} {wrappings[1]} {payload} $x$",
                (CATEGORY,),
                DAY3,
                abstract=" and ".join(wrappings) + " $\\sum_i x_i$.",
                comment=f"{wrappings[2]} {payload} 12 pages",
            )
        )
    return made


async def fill_hostile(settings: Settings) -> None:
    engine = create_engine(settings=settings)
    try:
        async with session_factory(engine).begin() as session:
            await ingest(session, [*records(), *hostile_records()])
    finally:
        await engine.dispose()


@pytest.fixture
def hostile_client(settings: Settings) -> Iterator[TestClient]:
    asyncio.run(fill_hostile(settings))
    with TestClient(create_app(settings)) as client:
        yield client


def page_offences(html: str) -> list[str]:
    """What the hostile text put into a page: outside its text containers, or inside them."""
    document = lxml.html.document_fromstring(html)
    found = [f"element <{n.tag}>" for n in document.iter(*DANGEROUS_ELEMENTS)]
    for node in document.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag == "meta" and node.get("http-equiv"):
            found.append(f"meta http-equiv={node.get('http-equiv')}")
        for name, value in node.attrib.items():
            if name.startswith("on"):
                found.append(f"attribute {name} on <{node.tag}>")
            if name in URL_ATTRIBUTES and "javascript:" in "".join(value.split()).lower():
                found.append(f"javascript: URL in {name} on <{node.tag}>")
    containers = document.xpath(TEXT_CONTAINERS)
    assert containers, "no rendered text on the page"
    for container in containers:
        found += element_offences(container, TEX_ELEMENTS, TEX_ATTRIBUTES)
    return found


def test_list_pages_keep_hostile_text_inert(hostile_client: TestClient) -> None:
    for url in (f"/arxiv/{CATEGORY}", f"/arxiv/{CATEGORY}?include=img%0Ascript%0Aonerror"):
        response = hostile_client.get(url)
        assert response.status_code == 200
        assert page_offences(response.text) == [], url
        assert response.text.count("<article") >= len(PAYLOADS)
        assert "<math" in response.text  # real math still renders beside the payloads


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_paper_page_keeps_hostile_title_abstract_and_comment_inert(
    hostile_client: TestClient, i: int
) -> None:
    response = hostile_client.get(f"/arxiv/{hostile_id(i)}")
    assert response.status_code == 200
    assert page_offences(response.text) == []
    document = lxml.html.document_fromstring(response.text)
    assert f"Hostile {i}" in document.xpath("//h1[@class='title']")[0].text_content()
    assert "12 pages" in response.text


def test_shared_starred_list_keeps_hostile_text_inert(hostile_client: TestClient) -> None:
    ids = ",".join(hostile_id(i) for i in range(len(PAYLOADS)))
    response = hostile_client.get(f"/starred?ids={ids}")
    assert response.status_code == 200
    assert page_offences(response.text) == []


def test_api_html_fields_hold_only_allowed_markup(hostile_client: TestClient) -> None:
    ids = ",".join(hostile_id(i) for i in range(len(PAYLOADS)))
    response = hostile_client.get(f"/api/papers?html=1&ids={ids}")
    assert response.status_code == 200
    papers = response.json()["papers"]
    assert len(papers) == len(PAYLOADS)
    for data in papers:
        assert tex_offences(data["title_html"]) == [], data["id"]
        assert tex_offences(data["abstract_html"]) == [], data["id"]


def test_starred_page_script_allows_what_the_server_renders() -> None:
    # starred.js rebuilds titles and abstracts from the same allow-list as web/tex.py.
    script = (STATIC_DIR / "starred.js").read_text()

    def words(name: str) -> set[str]:
        match = re.search(rf"var {name} = words\(\s*((?:\"[^\"]*\"\s*\+?\s*)+)\)", script)
        assert match, name
        return set("".join(re.findall(r'"([^"]*)"', match.group(1))).split())

    assert words("MATHML_ELEMENTS") == MATHML_ELEMENTS
    assert words("MATHML_ATTRIBUTES") == MATHML_ATTRIBUTES
    assert words("HTML_ELEMENTS") == TEX_ELEMENTS - MATHML_ELEMENTS
    assert "innerHTML" not in script

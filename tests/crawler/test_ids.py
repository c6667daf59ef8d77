"""arXiv ids: parsing is total (any text is an id or raises ``InvalidArxivId``), valid ids
round-trip, and the pages and the API answer a bad id with a 404 and a message."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from crawler.ids import ArxivId, InvalidArxivId, is_arxiv_id, parse_arxiv_id
from web.app import create_app

HUGE_VERSION = "2401.01234v" + "9" * 5000


@given(st.text())
@example(HUGE_VERSION)
@example("hep-th/9901001v" + "1" * 5000)
@example("arXiv:2401.01234v" + "9" * 4301)
@example("٢٤٠١.٠١٢٣٤")  # Arabic-Indic digits
@example("2401.01234v١")
@example("2401.01234\n.pdf")
@example("\u212a/9901001")  # the Kelvin sign, which IGNORECASE folds to "k"
@example("")
def test_any_text_is_an_id_or_invalid(text):
    try:
        parsed = parse_arxiv_id(text)
    except InvalidArxivId:
        assert not is_arxiv_id(text)
        return
    assert str(parsed).isascii()
    assert parse_arxiv_id(str(parsed)) == parsed


@pytest.mark.parametrize(
    "text",
    [
        HUGE_VERSION,
        "٢٤٠١.٠١٢٣٤",
        "2401.01234v١",
        "2401.01234\n.pdf",
        "\u212a/9901001",
        "2401.01234v0",
        "2401.01234v1234567",
    ],
    ids=repr,
)
def test_odd_ids_are_invalid(text):
    with pytest.raises(InvalidArxivId, match="not an arXiv identifier"):
        parse_arxiv_id(text)


def test_an_object_that_is_not_text_is_invalid():
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(None)  # type: ignore[arg-type]  # the wrong type is what is tested


months = st.integers(1, 12).map(lambda m: f"{m:02d}")
years = st.integers(0, 99).map(lambda y: f"{y:02d}")
versions = st.none() | st.integers(1, 999_999)
new_ids = st.builds(
    lambda y, m, n: f"{y}{m}.{n}", years, months, st.from_regex(r"[0-9]{4,5}", fullmatch=True)
)
archives = st.from_regex(r"[a-z]+(-[a-z]+)?", fullmatch=True)
old_ids = st.builds(
    lambda a, y, m, n: f"{a}/{y}{m}{n}",
    archives,
    years,
    months,
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)


@given(st.one_of(new_ids, old_ids), versions)
def test_valid_ids_round_trip(base, version):
    text = base if version is None else f"{base}v{version}"
    parsed = parse_arxiv_id(text)
    assert parsed == ArxivId(base, version)
    assert str(parsed) == text
    for spelled in (f"arXiv:{text}", f"https://arxiv.org/abs/{text}", f"oai:arXiv.org:{text}"):
        assert parse_arxiv_id(spelled) == parsed
    assert parse_arxiv_id(f"https://arxiv.org/pdf/{text}.pdf") == parsed


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "key", [HUGE_VERSION, "hep-th/9901001v" + "9" * 5000, "٢٤٠١.٠١٢٣٤", "2401.01234v١"], ids=len
)
def test_pages_answer_a_bad_id_with_404(client, key):
    page = client.get(f"/arxiv/{key}")
    assert page.status_code == 404
    assert "neither an arXiv id nor a category" in page.text
    api = client.get(f"/api/papers/{key}")
    assert api.status_code == 404
    assert api.json()["error"].startswith("not an arXiv identifier")

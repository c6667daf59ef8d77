"""``web.entries``: a list entry written by a plain function, every value escaped."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from markupsafe import escape

from models.queries import AuthorView, CategoryView, PaperView
from models.schema import AnnounceType
from tests.web.hostile_text import PAYLOADS, TEX_ATTRIBUTES, TEX_ELEMENTS, offences
from web import templating
from web.entries import (
    AUTHORS_FOLDED_FROM,
    AUTHORS_SHOWN,
    entry_markup,
    finds_in_entry,
    with_verdict,
)
from web.keywords import KeywordFilter, Verdict
from web.templating import _entry, templates

ENTRY_ELEMENTS = TEX_ELEMENTS | {"article", "h2", "a", "div", "p", "span", "details", "summary"}
ENTRY_ELEMENTS |= {"time"}
ENTRY_ATTRIBUTES = TEX_ATTRIBUTES | {"id", "href", "rel", "title", "datetime"}
ENTRY_ATTRIBUTES |= {"data-id", "data-title", "data-version"}
HOSTILE = PAYLOADS[7]  # '"><img src=x onerror=window.__xss=6>': breaks out of an attribute
DAY = dt.datetime(2024, 11, 27, 18, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Code:
    url: str


@dataclass(frozen=True)
class Venue:
    track: str | None = None
    decision: str | None = None
    pages: str | None = None
    pdf_url: str | None = None
    landing_url: str | None = None
    source: str = "openreview"
    arxiv_id: str | None = None
    code_links: tuple[str, ...] = ()
    digest: str = "d"


def view(
    title: str = "A title",
    abstract: str = "An abstract.",
    authors: tuple[str, ...] = ("Ada", "Bob"),
    categories: tuple[str, ...] = ("cs.LG", "cs.AI"),
    paper_id: str = "2411.10001",
    version: int = 1,
) -> PaperView:
    return PaperView(
        paper_id,
        version,
        title,
        abstract,
        categories[0] if categories else None,
        DAY,
        DAY + dt.timedelta(days=1),
        None,
        None,
        None,
        DAY,
        [AuthorView(name) for name in authors],
        [CategoryView(c, i == 0) for i, c in enumerate(categories)],
    )


def entry(paper: PaperView, **options) -> str:
    return entry_markup(paper, **options)


def test_an_entry_shows_the_paper_its_categories_type_and_links() -> None:
    paper = view(version=2)
    html = entry(paper, announce_type=AnnounceType.REPLACE, code=Code("https://github.com/a/b"))
    assert html.startswith(
        '<article class="paper" id="2411.10001" data-id="2411.10001" data-title="A title"'
        ' data-version="2">\n  <h2 class="title"><a href="/arxiv/2411.10001">A title</a></h2>\n'
    )
    assert '<span class="author">Ada</span>, <span class="author">Bob</span>  </div>' in html
    assert '<a class="category primary" href="/arxiv/cs.LG">cs.LG</a> ' in html
    assert '<a class="category" href="/arxiv/cs.AI">cs.AI</a> ' in html
    assert '<span class="announce announce-replace">replace</span>' in html
    assert '<time class="published" datetime="2024-11-27">2024-11-27</time>' in html
    assert '<span class="updated">v2 2024-11-28</span>' in html
    assert '<a class="link-pdf" href="https://arxiv.org/pdf/2411.10001">[PDF]</a>' in html
    assert '<a class="link-html" href="https://arxiv.org/html/2411.10001v2">[HTML]</a>' in html
    assert 'class="link-code" href="https://github.com/a/b"' in html
    assert html.endswith("  </p>\n</article>\n")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_field_of_an_entry_is_escaped(payload: str) -> None:
    paper = view(
        title=payload,
        abstract=f"{payload} $x^2$ {payload}",
        authors=(payload, "Ada", payload),
        categories=(payload, "cs.AI"),
        paper_id=payload,
    )
    html = entry(paper, announce_type=AnnounceType.NEW, code=Code(payload))
    # A payload's "javascript:" stays in the attributes that show it, escaped: as text
    # (ids, titles) or within escaped markup, never where a link could take it as a scheme.
    found = offences(html, ENTRY_ELEMENTS, ENTRY_ATTRIBUTES)
    assert [o for o in found if not o.startswith("javascript: URL in")] == []
    assert "javascript:" not in html.replace(escape(payload), "")
    assert html.count("<article") == 1
    assert f' data-title="{escape(payload)}"' in html
    assert f'<span class="author">{escape(payload)}</span>' in html


def test_the_links_of_an_entry_cannot_leave_their_attribute() -> None:
    html = entry(view(paper_id=HOSTILE), code=Code(HOSTILE))
    assert "<img" not in html
    assert f'href="/arxiv/{escape(HOSTILE)}"' in html
    assert f'href="https://arxiv.org/pdf/{escape(HOSTILE)}"' in html
    assert f'title="{escape(HOSTILE)}">[Code]</a>' in html


def test_a_long_list_of_authors_is_folded_after_the_first_ones() -> None:
    names = tuple(f"Author {i}" for i in range(AUTHORS_FOLDED_FROM))
    html = entry(view(authors=names))
    shown = ", ".join(f'<span class="author">{n}</span>' for n in names[:AUTHORS_SHOWN])
    folded = ", ".join(f'<span class="author">{n}</span>' for n in names[AUTHORS_SHOWN:])
    more = AUTHORS_FOLDED_FROM - AUTHORS_SHOWN
    assert (
        f'{shown}, <details class="more-authors"><summary>+{more} more authors</summary>'
        f"{folded}</details>  </div>"
    ) in html
    assert "<details" not in entry(view(authors=names[:-1]))
    assert "+3 位作者" in entry(view(authors=names), lang="zh")


def test_names_have_their_tex_accents_made_unicode() -> None:
    html = entry(view(authors=('Erwin Schr\\"odinger', "G{\\o}del <b>")))
    assert '<span class="author">Erwin Schrödinger</span>' in html
    assert '<span class="author">Gødel &lt;b&gt;</span>' in html


def test_names_escaped_together_come_out_one_by_one() -> None:
    names = ["A <b>&</b>", "", 'O"Brien', "Nul\x00here", 'Schr\\"odinger']
    html = entry(view(authors=names))
    spans = re.findall(r'<span class="author">(.*?)</span>', html, re.S)
    assert spans == [
        "A &lt;b&gt;&amp;&lt;/b&gt;",
        "",
        "O&#34;Brien",
        "Nul\x00here",
        "Schrödinger",
    ]


def test_a_venue_paper_shows_its_venue_row_escaped() -> None:
    venue = Venue(
        track=HOSTILE,
        decision="Oral",
        pages="1-9",
        pdf_url=HOSTILE,
        landing_url="https://openreview.net/forum?id=x&y=1",
        source=HOSTILE,
        arxiv_id="2411.10002",
        code_links=("https://github.com/a/b", "https://github.com/c/d"),
    )
    html = entry(view(paper_id="openreview:abc"), venue=venue)
    assert offences(html, ENTRY_ELEMENTS, ENTRY_ATTRIBUTES) == []
    assert html.startswith('<article class="paper venue-paper" id="openreview:abc"')
    assert '<a href="/venue/openreview:abc">' in html
    assert f'<span class="track">{escape(HOSTILE)}</span>' in html
    assert '<span class="pages">pp. 1-9</span>' in html
    assert 'href="https://openreview.net/forum?id=x&amp;y=1">[' in html
    assert '<a class="link-arxiv" href="/arxiv/2411.10002">[arXiv]</a>' in html
    assert html.count("link-code") == 1  # the first link to code only
    assert "categories" not in html and "link-html" not in html
    bare = entry(view(paper_id="openreview:abc"), venue=Venue())
    assert '  <p class="meta">\n  </p>\n  <p class="links">\n  </p>\n</article>\n' in bare


def test_the_keyword_bar_marks_its_words_and_the_verdict_classes_the_entry() -> None:
    highlight = KeywordFilter.from_query({"include": "graph"}).matcher().highlight
    paper = view(title="Graph <nets>", abstract="On graph $x$ & more", authors=("Graph Ada",))
    html = entry(paper, verdict=Verdict(True, False), highlight=highlight)
    assert html.startswith('<article class="paper match" ')
    assert "<mark>Graph</mark> &lt;nets&gt;</a></h2>" in html
    assert "On <mark>graph</mark> <math" in html and "&amp; more</p>" in html
    assert '<span class="author"><mark>Graph</mark> Ada</span>' in html
    assert entry(paper, verdict=Verdict(False, True)).startswith(
        '<article class="paper nomatch excluded" '
    )


def test_an_entry_the_keyword_bar_marks_nothing_in_is_the_one_kept_for_every_reader() -> None:
    highlight = KeywordFilter.from_query({"include": "graph"}).matcher().highlight
    assert highlight is not None
    paper = view(title="Trees", abstract="On $graph$ theory & more", paper_id="2411.19999")
    unmarked = Verdict(False, False)
    kept = _entry(paper, None, unmarked)
    assert _entry(paper, None, unmarked, highlight) is kept
    assert kept.decode() == entry(paper, verdict=unmarked, highlight=highlight)
    assert not finds_in_entry(paper, highlight)
    judged = Verdict(False, False, found=False)  # the verdict found none of the keywords
    assert _entry(view(title="A graph", paper_id="2411.19994"), None, judged, highlight) == (
        _entry(view(title="A graph", paper_id="2411.19994"), None, judged)
    )
    for marked in (
        view(title="A graph", paper_id="2411.19998"),
        view(abstract="Graphs $x$", paper_id="2411.19997"),
        view(authors=(r"Gr\"aph",), paper_id="2411.19996"),  # Gräph: no match
        view(authors=("Bob Graph",), paper_id="2411.19995"),
    ):
        found = _entry(marked, None, Verdict(True, False), highlight).decode()
        assert finds_in_entry(marked, highlight) == ("<mark>" in found)
        assert found == entry(marked, verdict=Verdict(True, False), highlight=highlight)


def test_a_marked_entry_is_kept_under_its_keywords_and_never_shown_stale(monkeypatch) -> None:
    def marks(include: str):
        return KeywordFilter.from_query({"include": include}).matcher().highlight

    paper = view(title="A graph of trees", paper_id="2411.19990")
    first = _entry(paper, None, Verdict(True, False), marks("graph"))
    # The same keywords in another request (a new marker, equal to the first): kept.
    assert _entry(paper, None, Verdict(True, False), marks("graph")) is first
    assert first.decode() == entry(paper, verdict=Verdict(True, False), highlight=marks("graph"))
    other = _entry(paper, None, Verdict(True, False), marks("trees"))
    assert b"<mark>trees</mark>" in other and b"<mark>graph</mark>" not in other
    # The paper changed (its stamp moved): written anew, with the new title.
    changed = view(title="A graph of forests", paper_id="2411.19990")
    changed.modified_at = DAY + dt.timedelta(hours=1)
    again = _entry(changed, None, Verdict(True, False), marks("graph"))
    assert b"forests" in again and again != first
    monkeypatch.setattr(templating, "MARKED_CACHE_SIZE", 3)
    for number in range(10):
        _entry(view(title="graph", paper_id=f"2411.1{number:04d}"), None, None, marks("graph"))
    assert len(templating._marked_cache) <= 3


VERDICTS = [Verdict(True, False), Verdict(False, False), Verdict(False, True)]


@pytest.mark.parametrize("venue", [None, Venue()])
@pytest.mark.parametrize("verdict", VERDICTS)
def test_an_entry_given_a_verdict_is_the_entry_written_with_it(verdict, venue) -> None:
    paper = view(title=HOSTILE, abstract='<article class="paper">')
    written = entry(paper, venue=venue).encode()
    given = with_verdict(written, verdict, venue)
    assert given == entry(paper, verdict=verdict, venue=venue).encode()
    with pytest.raises(ValueError):
        with_verdict(written[1:], verdict, venue)


def test_the_entry_macro_writes_what_entry_markup_writes() -> None:
    paper = view(authors=tuple(f"A{i}" for i in range(20)), version=3)
    source = '{% from "_paper.html" import entry %}{{ entry(paper, heading="h3") }}'
    html = templates.env.from_string(source).render(paper=paper)
    assert html == entry(paper, heading="h3")
    assert '<h3 class="title">' in html

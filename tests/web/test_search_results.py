"""A search result written by ``web.entries.search_result_markup``: the markup the search
page's template wrote for it, byte for byte, every value escaped."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from search.engine import BodySnippet, FoundAuthor, FoundCategory, FoundPaper
from tests.web.hostile_text import PAYLOADS
from web.entries import search_result_markup
from web.i18n import translator
from web.search_pages import marked
from web.templating import templates

# The result as the search page's template wrote it before ``search_result_markup``.
TEMPLATE = """{% set paper = item.hit.paper %}
<article class="paper search-result" id="{{ paper.id }}" data-id="{{ paper.id }}" data-version="{{ paper.version }}">
  <h2 class="title"><a href="{{ paper_url(paper.id) }}">{{ item.title }}</a></h2>
  <p class="authors">{% for a in paper.authors %}<span class="author">{{ a.name }}</span>{% if not loop.last %}, {% endif %}{% endfor %}</p>
  <p class="abstract">{{ item.abstract }}</p>
  {% if item.body %}{% set body = item.hit.body %}
  <p class="body-match">{{ _("In the paper") }}, <span class="section" data-anchor="{{ body.anchor }}">§{% if body.number %}{{ body.number }} {% endif %}{{ body.section }}</span>: <q class="snippet">{{ item.body }}</q></p>
  {% endif %}
  <p class="meta">
    <span class="categories">{% for c in paper.categories %}<span class="category{% if c.is_primary %} primary{% endif %}">{{ c.category }}</span> {% endfor %}</span>
    {% if item.date %}<span class="date">{{ item.date }}</span>{% endif %}
    {% if ':' not in paper.id %}{# a venue paper's links are on its page #}
    <a class="link-pdf" href="{{ pdf_url(paper.id) }}">[PDF]</a>
    <a class="link-abs" href="{{ abs_url(paper.id) }}">[abs]</a>
    {% endif %}
  </p>
  <p class="links"></p>
</article>
"""  # noqa: E501  # the template's own lines


class Hit:
    def __init__(self, paper: FoundPaper, body: BodySnippet | None) -> None:
        self.paper, self.body = paper, body


def _text(rng: random.Random) -> str:
    pieces = ["graph", "neural", "<b>", "&amp;", '"', "'", "é", "中文", "\\alpha", "$x$", ""]
    pieces += PAYLOADS
    return " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))


def _paper(rng: random.Random) -> FoundPaper:
    paper_id = rng.choice(["2411.10001", "hep-th/9901001", "openreview:abc<1>", '2411."x"'])
    return FoundPaper(
        paper_id,
        rng.randint(1, 9),
        _text(rng),
        _text(rng),
        dt.datetime(2024, 11, 27, tzinfo=dt.UTC),
        tuple(FoundAuthor(_text(rng)) for _ in range(rng.randint(0, 4))),
        tuple(FoundCategory(_text(rng), rng.random() < 0.5) for _ in range(rng.randint(0, 3))),
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_result_is_written_as_the_template_wrote_it(lang: str) -> None:
    rng = random.Random(7)
    template = templates.env.from_string(TEMPLATE)
    for _ in range(2000):
        paper = _paper(rng)
        body = None
        if rng.random() < 0.4:
            body = BodySnippet(_text(rng), rng.choice(["", "2.1", "<3>"]), _text(rng), "x", [])
        title = marked(paper.title, [(0, min(3, len(paper.title)))])
        abstract = marked(paper.abstract, [])
        body_markup = marked(_text(rng), []) if body is not None else None
        day = rng.choice([None, "2024-11-27", '"><x>'])
        item = {"hit": Hit(paper, body), "title": title, "abstract": abstract}
        item |= {"body": body_markup or None, "date": day}
        expected = template.render(item=item, _=translator(lang))
        written = search_result_markup(paper, title, abstract, body, body_markup, day, lang)
        assert written == expected

"""The Jinja2 environment of the site (autoescaping on), with its filters and globals.

Every template gets ``lang``, ``theme`` and ``_`` (interface text) from ``web.i18n``; the
``tex`` filter renders arXiv text with its math as MathML, ``plain`` escapes a name with TeX
accents made Unicode; both take an optional highlighter from the keyword bar.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import OrderedDict
from pathlib import Path

from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from crawler.ids import abs_url, pdf_url
from web.i18n import LANGUAGES, template_context, translator
from web.tex import Highlighter, render_text, untex_accents

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"

# arXiv renders HTML for the papers submitted since December 2023.
HTML_SINCE = dt.datetime(2023, 12, 1, tzinfo=dt.UTC)
AUTHORS_SHOWN = 10  # a longer list of authors is folded after this many
AUTHORS_FOLDED_FROM = 13


def html_url(arxiv_id: str, version: int | None = None) -> str:
    return f"https://arxiv.org/html/{arxiv_id}" + (f"v{version}" if version else "")


def has_html(paper) -> bool:
    """Whether arXiv has an HTML rendering of ``paper`` (by the date of its first version)."""
    if paper.published is not None:
        return paper.published >= HTML_SINCE
    head = paper.id.split(".", 1)[0]
    return "/" not in paper.id and head.isdigit() and head >= "2312"


def tex(text: str | None, highlight: Highlighter | None = None) -> Markup:
    return render_text(text, highlight)


def plain(text: str | None, highlight: Highlighter | None = None) -> Markup:
    if not text:
        return Markup("")
    text = untex_accents(text)
    return Markup(highlight(text)) if highlight else escape(text)


def iso_day(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


ENTRY_CACHE_SIZE = 20_000
_entry_cache: OrderedDict[tuple[object, ...], Markup] = OrderedDict()


@functools.lru_cache(maxsize=len(LANGUAGES))
def _entry_macro(lang: str):
    module = templates.env.get_template("_paper.html").make_module({"_": translator(lang)})
    return module.entry


def paper_url(paper_id: str) -> str:
    """A paper's page here: ``/venue/<source>:<key>`` for a venue paper, else ``/arxiv/<id>``."""
    return f"/venue/{paper_id}" if ":" in paper_id else f"/arxiv/{paper_id}"


def entry_html(
    paper, announce_type=None, verdict=None, highlight=None, lang: str = "en", code=None, venue=None
) -> Markup:
    """One list entry (``_paper.html``'s ``entry``), with its ``code`` link if any, a venue
    paper's with its ``venue`` row; kept when nothing is highlighted, since the same entries
    are rendered for every reader of a list."""
    if highlight is not None:
        return _entry_macro(lang)(paper, announce_type, verdict, highlight, code=code, venue=venue)
    shown = (venue.digest, venue.arxiv_id) if venue is not None else None
    key = (paper.id, paper.version, paper.modified_at, announce_type, verdict, lang, code, shown)
    html = _entry_cache.get(key)
    if html is None:
        html = _entry_cache[key] = _entry_macro(lang)(
            paper, announce_type, verdict, code=code, venue=venue
        )
        if len(_entry_cache) > ENTRY_CACHE_SIZE:
            _entry_cache.popitem(last=False)
    return html


templates = Jinja2Templates(directory=str(TEMPLATE_DIR), context_processors=[template_context])
templates.env.globals.update(
    abs_url=abs_url,
    pdf_url=pdf_url,
    html_url=html_url,
    has_html=has_html,
    AUTHORS_SHOWN=AUTHORS_SHOWN,
    AUTHORS_FOLDED_FROM=AUTHORS_FOLDED_FROM,
    _=translator("en"),
    lang="en",
    theme="auto",
)
templates.env.globals["entry_html"] = entry_html
templates.env.globals["paper_url"] = paper_url
templates.env.filters.update(tex=tex, plain=plain, iso_day=iso_day)
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

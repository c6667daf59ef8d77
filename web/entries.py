"""One paper of a list as HTML: its title, authors, abstract, categories and links.

The markup of an entry is written here and only here (``_paper.html``'s ``entry`` macro calls
``entry_markup``): a plain function, since a list renders hundreds of entries and the Jinja
macro that wrote them spent about 40 us on each, most of it in Jinja's machinery (a context
per call, a loop object, an attribute look-up and a ``Markup`` per expression). Every value
that is not the site's own text is escaped as markupsafe escapes it; titles and abstracts go
through ``web.tex`` (math as MathML), names have their TeX accents made Unicode, and both go
through the keyword bar's highlighter when there is one. The output is the macro's, byte for
byte, blank space included.
"""

from __future__ import annotations

import datetime as dt
import functools

from markupsafe import Markup, escape

from crawler.ids import abs_url, pdf_url
from web.i18n import translator
from web.tex import Highlighter, finds_in_text, render_text, untex_accents
from web.tex import escaped as _escape

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


def paper_url(paper_id: str) -> str:
    """A paper's page here: ``/venue/<source>:<key>`` for a venue paper, else ``/arxiv/<id>``."""
    return f"/venue/{paper_id}" if ":" in paper_id else f"/arxiv/{paper_id}"


def plain(text: str | None, highlight: Highlighter | None = None) -> Markup:
    """A name, its TeX accents as Unicode, escaped (and marked by ``highlight``)."""
    if not text:
        return Markup("")
    text = untex_accents(text)
    return Markup(highlight(text)) if highlight else escape(text)


def iso_day(value: dt.date | dt.datetime | None) -> str:
    """``value``'s day as YYYY-MM-DD (a datetime's own day, in its own zone)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()  # isoformat of a date: a seventh of strftime's time
    return value.isoformat()


@functools.lru_cache(maxsize=64)
def _text(lang: str, message: str) -> str:
    """Interface text of ``lang``, escaped."""
    return _escape(translator(lang)(message))


@functools.lru_cache(maxsize=4096)
def _category_link(category: str, primary: bool) -> str:
    code = _escape(category)
    kind = "category primary" if primary else "category"
    return f'<a class="{kind}" href="/arxiv/{code}">{code}</a> '


def _name(name: str, highlight: Highlighter | None) -> str:
    if not name:
        return ""
    name = untex_accents(name)
    return highlight(name) if highlight else _escape(name)


def _escaped_names(authors) -> list[str]:
    """The authors' names, TeX accents as letters, escaped in one pass over them all."""
    names = [untex_accents(n) if "\\" in n else n for n in (a.name or "" for a in authors)]
    escaped = _escape("\0".join(names)).split("\0")
    return escaped if len(escaped) == len(names) else [_escape(name) for name in names]


def _authors(authors, highlight: Highlighter | None, lang: str) -> str:
    if highlight is not None and not _finds_in_names(authors, highlight):
        highlight = None
    if highlight is None:
        names = [f'<span class="author">{name}</span>' for name in _escaped_names(authors)]
    else:
        names = [f'<span class="author">{_name(a.name, highlight)}</span>' for a in authors]
    n = len(names)
    if n < AUTHORS_FOLDED_FROM:
        return ", ".join(names)
    more = f"+{n - AUTHORS_SHOWN} {_text(lang, 'more authors')}"
    return (
        ", ".join(names[:AUTHORS_SHOWN])
        + f', <details class="more-authors"><summary>{more}</summary>'
        + ", ".join(names[AUTHORS_SHOWN:])
        + "</details>"
    )


def _venue_rows(venue) -> str:
    meta = []
    if venue.track:
        meta.append(f'<span class="track">{_escape(venue.track)}</span>')
    if venue.decision:
        meta.append(f'<span class="decision">{_escape(venue.decision)}</span>')
    if venue.pages:
        meta.append(f'<span class="pages">pp. {_escape(venue.pages)}</span>')
    links = []
    if venue.pdf_url:
        links.append(f'<a class="link-pdf" href="{_escape(venue.pdf_url)}">[PDF]</a>')
    if venue.landing_url:
        links.append(
            f'<a class="link-abs" href="{_escape(venue.landing_url)}">[{_escape(venue.source)}]</a>'
        )
    if venue.arxiv_id:
        links.append(f'<a class="link-arxiv" href="/arxiv/{_escape(venue.arxiv_id)}">[arXiv]</a>')
    for url in venue.code_links[:1]:
        url = _escape(url)
        links.append(
            f'<a class="link-code" href="{url}" rel="nofollow noopener noreferrer"'
            f' title="{url}">[Code]</a>'
        )
    return (
        f'  <p class="meta">\n{"".join(meta)}  </p>\n  <p class="links">\n{"".join(links)}  </p>\n'
    )


@functools.lru_cache(maxsize=64)
def _announced(lang: str, announce_type) -> str:
    kind = _escape(announce_type.value)
    return f'<span class="announce announce-{kind}">{_text(lang, announce_type.value)}</span>'


def _arxiv_rows(paper, paper_id: str, version: str, announce_type, code, lang: str) -> str:
    """The categories, announcement and links of an arXiv paper; ``paper_id`` and
    ``version`` escaped (the links are fixed prefixes and the escaped id, days are digits)."""
    categories = "".join(_category_link(c.category, c.is_primary) for c in paper.categories)
    meta = _announced(lang, announce_type) if announce_type else ""
    if paper.published:
        day = iso_day(paper.published)
        meta += f'<time class="published" datetime="{day}">{day}</time>'
    if paper.updated and paper.version > 1:
        meta += f'<span class="updated">v{version} {iso_day(paper.updated)}</span>'
    links = ""
    if has_html(paper):
        url = html_url(paper_id, version if paper.version else None)
        links = f'<a class="link-html" href="{url}">[HTML]</a>'
    if code:
        url = _escape(code.url)
        links += (
            f'<a class="link-code" href="{url}" rel="nofollow noopener noreferrer"'
            f' title="{url}">[Code]</a>'
        )
    return (
        f'  <p class="meta">\n    <span class="categories">{categories}</span>\n'
        f"{meta}  </p>\n"
        f'  <p class="links">\n'
        f'    <a class="link-pdf" href="{pdf_url(paper_id)}">[PDF]</a>\n'
        f'    <a class="link-abs" href="{abs_url(paper_id)}">[abs]</a>\n'
        f"{links}  </p>\n"
    )


def _finds_in_names(authors, highlight: Highlighter) -> bool:
    """Whether ``highlight`` marks anything in the names (one search: no keyword holds a line
    break)."""
    return highlight.finds("\n".join([untex_accents(a.name) for a in authors if a.name]))


def finds_in_entry(paper, highlight: Highlighter) -> bool:
    """Whether ``highlight`` marks anything in ``paper``'s entry (its title, abstract or
    authors): if not, the entry is the one written without it."""
    return (
        finds_in_text(paper.title, highlight)
        or finds_in_text(paper.abstract, highlight)
        or _finds_in_names(paper.authors, highlight)
    )


def _classes(verdict, venue) -> str:
    classes = "paper"
    if venue:
        classes += " venue-paper"
    if verdict:
        classes += " match" if verdict.matches else " nomatch"
        if verdict.excluded:
            classes += " excluded"
    return classes


def with_verdict(markup: bytes, verdict, venue=None) -> bytes:
    """An entry written without a verdict (as UTF-8), given ``verdict``'s classes: what
    ``entry_markup`` writes with it, the rest of the entry being the same."""
    written = f'<article class="{_classes(None, venue)}"'.encode()
    if not markup.startswith(written):
        raise ValueError("not an entry written without a verdict")
    return f'<article class="{_classes(verdict, venue)}"'.encode() + markup[len(written) :]


def entry_markup(
    paper,
    announce_type=None,
    verdict=None,
    highlight: Highlighter | None = None,
    lang: str = "en",
    code=None,
    venue=None,
    heading: str = "h2",
) -> str:
    """The ``<article>`` of ``paper`` in a list, ending with a newline.

    ``announce_type`` (an ``AnnounceType``) is shown by an arXiv paper, ``verdict`` (the
    keyword bar's) marks the entry as matching or not, ``code`` (a ``CodeLink``) adds a
    [Code] link; a venue paper is given its ``venue`` row (track, decision, pages and its
    own links) instead of arXiv's categories and links. ``lang`` is the interface text's.
    """
    classes = _classes(verdict, venue)
    paper_id = _escape(paper.id)
    version = _escape(paper.version)
    heading = _escape(heading)
    if venue:
        rows = _venue_rows(venue)
    else:
        rows = _arxiv_rows(paper, paper_id, version, announce_type, code, lang)
    return (
        f'<article class="{classes}" id="{paper_id}" data-id="{paper_id}"'
        f' data-title="{_escape(paper.title)}" data-version="{version}">\n'
        f'  <{heading} class="title"><a href="{paper_url(paper_id)}">'
        f"{render_text(paper.title, highlight)}</a></{heading}>\n"
        f'  <div class="authors">\n{_authors(paper.authors, highlight, lang)}  </div>\n'
        f'  <p class="abstract">{render_text(paper.abstract, highlight)}</p>\n'
        f"{rows}</article>\n"
    )


def search_result_markup(
    paper,
    title: str,
    abstract: str,
    body=None,
    body_markup: str | None = None,
    day: str | None = None,
    lang: str = "en",
) -> str:
    """The ``<article>`` of a search result (no newline after it): ``title``, ``abstract``
    and ``body_markup`` (the snippet of the paper's ``body``, a ``BodySnippet``) are HTML
    already, their matches marked; ``day`` is its publication day. A venue paper's links are
    on its page."""
    paper_id = _escape(paper.id)
    names = ", ".join(
        f'<span class="author">{name}</span>' for name in _escaped_names(paper.authors)
    )
    categories = "".join(
        f'<span class="category primary">{_escape(c.category)}</span> '
        if c.is_primary
        else f'<span class="category">{_escape(c.category)}</span> '
        for c in paper.categories
    )
    found = ""
    if body_markup:
        number = f"{_escape(body.number)} " if body.number else ""
        found = (
            f'  <p class="body-match">{_text(lang, "In the paper")}, <span class="section"'
            f' data-anchor="{_escape(body.anchor)}">§{number}{_escape(body.section)}</span>:'
            f' <q class="snippet">{body_markup}</q></p>\n'
        )
    dated = f'<span class="date">{_escape(day)}</span>' if day else ""
    links = ""
    if ":" not in paper.id:
        links = (
            f'    <a class="link-pdf" href="{pdf_url(paper_id)}">[PDF]</a>\n'
            f'    <a class="link-abs" href="{abs_url(paper_id)}">[abs]</a>\n'
        )
    return (
        f'<article class="paper search-result" id="{paper_id}" data-id="{paper_id}"'
        f' data-version="{_escape(paper.version)}">\n'
        f'  <h2 class="title"><a href="{paper_url(paper_id)}">{title}</a></h2>\n'
        f'  <p class="authors">{names}</p>\n'
        f'  <p class="abstract">{abstract}</p>\n'
        f"{found}"
        f'  <p class="meta">\n'
        f'    <span class="categories">{categories}</span>\n'
        f"{dated}{links}  </p>\n"
        f'  <p class="links"></p>\n'
        f"</article>"
    )

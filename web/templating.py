"""The Jinja2 environment of the site (autoescaping on), with its filters and globals.

Every template gets ``lang``, ``theme`` and ``_`` (interface text) from ``web.i18n``; the
``tex`` filter renders arXiv text with its math as MathML, ``plain`` escapes a name with TeX
accents made Unicode; both take an optional highlighter from the keyword bar.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from crawler.ids import abs_url, pdf_url
from web.entries import (
    AUTHORS_FOLDED_FROM,
    AUTHORS_SHOWN,
    entry_markup,
    finds_in_entry,
    has_html,
    html_url,
    iso_day,
    paper_url,
    plain,
    with_verdict,
)
from web.i18n import template_context, translator
from web.tex import Highlighter, render_text

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"


def tex(text: str | None, highlight: Highlighter | None = None) -> Markup:
    return render_text(text, highlight)


ENTRY_CACHE_SIZE = 20_000
# Entries with the keyword bar's marks, under the marker of their keywords: a reader's
# keywords mark the same papers again in the next list that holds them (a merged list, the
# list after a crawl, the list again when the page cache is off), and readers share keywords.
MARKED_CACHE_SIZE = 5_000
# Entries are kept as UTF-8: a page's text is one str as wide as its widest character, and
# the math of a list (MathML with characters such as U+1D465) would make a 1 MB page a 4 MB
# str to join, copy and encode on every render.
_entry_cache: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_marked_cache: OrderedDict[tuple[object, ...], bytes] = OrderedDict()


def _kept(
    cache: OrderedDict[tuple[object, ...], bytes], key: tuple[object, ...], html: bytes, size: int
) -> bytes:
    cache[key] = html
    while len(cache) > size:
        cache.popitem(last=False)
    return html


def _entry(
    paper, announce_type=None, verdict=None, highlight=None, lang: str = "en", code=None, venue=None
) -> bytes:
    shown = (venue.digest, venue.arxiv_id) if venue is not None else None
    key = (paper.id, paper.version, paper.modified_at, announce_type, verdict, lang, code, shown)
    if highlight is not None:  # kept under its marker (``web.keywords.Marker``, hashable)
        marked_key = (*key, highlight)
        html = _marked_cache.get(marked_key)
        if html is not None:
            return html
        unmarked = verdict is not None and not verdict.found  # no include keyword in the paper
        if unmarked or not finds_in_entry(paper, highlight):  # the entry every reader is shown
            html = _entry(paper, announce_type, verdict, None, lang, code, venue)
        else:
            html = entry_markup(
                paper, announce_type, verdict, highlight, lang, code, venue
            ).encode()
        return _kept(_marked_cache, marked_key, html, MARKED_CACHE_SIZE)
    html = _entry_cache.get(key)
    if html is None:
        if verdict is not None:  # the entry every reader is shown, with the verdict's classes
            shown_to_all = _entry(paper, announce_type, None, None, lang, code, venue)
            html = with_verdict(shown_to_all, verdict, venue)
        else:
            html = entry_markup(paper, announce_type, None, None, lang, code, venue).encode()
        _kept(_entry_cache, key, html, ENTRY_CACHE_SIZE)
    return html


def entry_html(
    paper, announce_type=None, verdict=None, highlight=None, lang: str = "en", code=None, venue=None
) -> Markup:
    """One list entry (``web.entries.entry_markup``), with its ``code`` link if any, a venue
    paper's with its ``venue`` row; kept, since the same entries are rendered for every reader
    of a list (those with the keyword bar's marks apart, under its keywords)."""
    return Markup(_entry(paper, announce_type, verdict, highlight, lang, code, venue).decode())


def entry_pieces(entries: Iterable[tuple], highlight=None, lang: str = "en") -> list[bytes]:
    """List entries, each ``(paper, announce_type, verdict, code, venue)`` written as
    ``entry_html`` writes it, one per line, as UTF-8: the pieces that ``spliced_response``
    joins into the page (a 300-paper list's are 800 KiB, copied once)."""
    pieces: list[bytes] = []
    for paper, announce_type, verdict, code, venue in entries:
        if pieces:
            pieces.append(b"\n")
        pieces.append(_entry(paper, announce_type, verdict, highlight, lang, code, venue))
    return pieces


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
templates.env.globals["paper_entry"] = lambda *args: Markup(entry_markup(*args))
templates.env.globals["paper_url"] = paper_url
templates.env.filters.update(tex=tex, plain=plain, iso_day=iso_day)
templates.env.trim_blocks = True
# The templates ship with the code: a served process does not look for changes to them (a
# stat of each template a page uses, on every request).
templates.env.auto_reload = False
templates.env.lstrip_blocks = True


_SPLICE_TOKEN = secrets.token_hex(12)


def _splice_marker(name: str) -> Markup:
    """Where the block ``name`` goes in a template rendered by ``spliced_response``: a
    comment with a token of this process, which no text shown in the page can forge."""
    return Markup(f"<!--splice:{name}:{_SPLICE_TOKEN}-->")


templates.env.globals["splice"] = _splice_marker


def spliced_response(
    request: Request,
    name: str,
    context: dict[str, Any],
    blocks: Mapping[str, bytes | Sequence[bytes]],
) -> HTMLResponse:
    """``templates.TemplateResponse``, with each ``{{ splice(NAME) }}`` of the template
    replaced by ``blocks[NAME]``, bytes or pieces of bytes (a block the template did not
    write must be empty): bytes kept encoded (a list's entries) join the page's bytes without
    being decoded, copied as text and encoded again, and the page is joined once."""
    context.setdefault("request", request)
    for processor in templates.context_processors:
        context.update(processor(request))
    body = templates.get_template(name).render(context).encode()
    spliced: list[tuple[int, int, Sequence[bytes]]] = []
    for block, given in blocks.items():
        content = [given] if isinstance(given, bytes) else given
        marker = str(_splice_marker(block)).encode()
        at = body.find(marker)
        if at != -1:
            spliced.append((at, at + len(marker), content))
        elif any(content):
            raise ValueError(f"{name} did not write splice({block!r})")
    if not spliced:
        return HTMLResponse(body)
    whole = memoryview(body)  # its slices join the page without a copy of their own
    pieces: list[bytes | memoryview] = []
    start = 0
    for at, end, content in sorted(spliced, key=lambda found: found[0]):
        pieces.append(whole[start:at])
        pieces.extend(content)
        start = end
    pieces.append(whole[start:])
    return HTMLResponse(b"".join(pieces))

"""The mail of alerts: the confirmation, and the digest with a plain text and an HTML part.

A digest lists the papers grouped by what they matched, the matched words highlighted
(``*word*`` in text, ``<mark>`` in HTML), one FAQ line when the paper has one, at most
``max_papers`` of them with a link to the rest, and the management and one-click unsubscribe
links in the body and in ``List-Unsubscribe`` / ``List-Unsubscribe-Post``. Header values are
built by ``email.message.EmailMessage``, which refuses line breaks in them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from alerts.follows import Follow
from alerts.matching import PaperMatch, Span, group_by_reason
from search.highlight import merge_spans


@dataclass(frozen=True, slots=True)
class Links:
    """The links of one mail: management, one-click unsubscribe, the whole digest."""

    manage: str
    unsubscribe: str
    digest: str


def highlighted(
    text: str, spans: list[Span], mark: Callable[[str], str], keep: Callable[[str], str]
) -> str:
    out, last = [], 0
    for start, end in merge_spans(spans):
        out += [keep(text[last:start]), mark(text[start:end])]
        last = end
    out.append(keep(text[last:]))
    return "".join(out)


def _text_mark(text: str) -> str:
    return f"*{text}*"


def _html_mark(text: str) -> str:
    return f"<mark>{escape(text)}</mark>"


def _same(text: str) -> str:
    return text


def _reasons(match: PaperMatch) -> str:
    return "; ".join(f.label for f in match.reasons)


def _authors(match: PaperMatch, html: bool) -> str:
    from alerts.follows import fold_name

    names = []
    for author in match.paper.authors[:12]:
        name = escape(author.name) if html else author.name
        if fold_name(author.name) in match.authors:
            name = f"<mark>{name}</mark>" if html else f"*{name}*"
        names.append(name)
    if len(match.paper.authors) > 12:
        names.append("et al.")
    return ", ".join(names)


Rendered = tuple[list[str], list[str], list[str], list[str]]
PaperParts = dict[tuple[object, ...], Rendered]


def _paper_parts(match: PaperMatch, site: str, parts: PaperParts) -> Rendered:
    """A paper's lines in text and HTML before and after its "Matched:" line."""
    paper = match.paper
    key = (
        paper.id,
        tuple(match.title_spans),
        tuple(match.abstract_spans),
        frozenset(match.authors),
        match.faq_line,
    )
    if key in parts:
        return parts[key]
    url = f"{site}/arxiv/{paper.id}"
    title = " ".join((paper.title or "").split())
    abstract = paper.abstract or ""
    text_head = [
        highlighted(title, match.title_spans, _text_mark, _same),
        f"  {url}",
        f"  {_authors(match, False)}",
    ]
    html_head = [
        f'<h3><a href="{escape(url)}">'
        f"{highlighted(title, match.title_spans, _html_mark, escape)}</a></h3>",
        f'<p class="authors">{_authors(match, True)}</p>',
    ]
    text_tail: list[str] = []
    html_tail: list[str] = []
    if match.abstract_spans:
        text_tail.append("  " + highlighted(abstract, match.abstract_spans, _text_mark, _same))
        html_tail.append(
            f"<p>{highlighted(abstract, match.abstract_spans, _html_mark, escape)}</p>"
        )
    if match.faq_line:
        text_tail.append(f"  FAQ: {match.faq_line}")
        html_tail.append(f'<p class="faq">FAQ: {escape(match.faq_line)}</p>')
    parts[key] = (text_head, text_tail, html_head, html_tail)
    return parts[key]


def digest_message(
    *,
    sender: str,
    recipient: str,
    message_id: str,
    day: dt.date,
    matches: list[PaperMatch],
    follows: list[Follow],
    links: Links,
    site: str,
    max_papers: int,
    now: dt.datetime,
    parts: PaperParts | None = None,
) -> EmailMessage:
    """The digest of ``matches``; ``parts`` keeps each paper's rendering for the next mails
    of a run (most papers go to many subscribers, highlighted alike)."""
    parts = {} if parts is None else parts
    shown = matches[:max_papers]
    n = len(matches)
    message = EmailMessage()
    message["Subject"] = f"coolpapers: {n} new {'paper' if n == 1 else 'papers'} for you ({day})"
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    text, html = [f"New papers of {day} that match your alerts.", ""], []
    html.append(f"<p>New papers of {escape(str(day))} that match your alerts.</p>")
    for follow, group in group_by_reason(shown):
        text += [f"== {follow.label} ==", ""]
        html.append(f"<h2>{escape(follow.label)}</h2>")
        for match in group:
            text_head, text_tail, html_head, html_tail = _paper_parts(match, site, parts)
            text += [*text_head, f"  Matched: {_reasons(match)}", *text_tail, ""]
            html += [
                *html_head,
                f'<p class="matched">Matched: {escape(_reasons(match))}</p>',
                *html_tail,
            ]
    if n > len(shown):
        text += [f"{n - len(shown)} more: {links.digest}", ""]
        html.append(f'<p><a href="{escape(links.digest)}">{n - len(shown)} more</a></p>')
    text += [
        f"Your alerts: {', '.join(f.label for f in follows)}",
        f"Change or pause them: {links.manage}",
        f"Unsubscribe: {links.unsubscribe}",
    ]
    html.append(
        f"<p>Your alerts: {escape(', '.join(f.label for f in follows))}.<br>"
        f'<a href="{escape(links.manage)}">Change or pause them</a> · '
        f'<a href="{escape(links.unsubscribe)}">Unsubscribe</a></p>'
    )
    # base64 is encoded in C; quoted-printable, in Python, cost more than the rest of the mail.
    message.set_content("\n".join(text) + "\n", cte="base64")
    message.add_alternative(
        "<!doctype html><html><body>" + "\n".join(html) + "</body></html>",
        subtype="html",
        cte="base64",
    )
    return message


def confirmation_message(
    *,
    sender: str,
    recipient: str,
    message_id: str,
    follows: list[Follow],
    confirm_url: str,
    now: dt.datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "coolpapers: confirm your alerts"
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    wanted = ", ".join(f.label for f in follows)
    message.set_content(
        f"Someone, probably you, asked for coolpapers alerts on: {wanted}.\n\n"
        f"Confirm them here: {confirm_url}\n\n"
        "Without confirmation nothing will be sent; ignore this mail if it was not you.\n"
    )
    message.add_alternative(
        f"<!doctype html><html><body><p>Someone, probably you, asked for coolpapers alerts"
        f' on: {escape(wanted)}.</p><p><a href="{escape(confirm_url)}">Confirm them</a></p>'
        "<p>Without confirmation nothing will be sent; ignore this mail if it was not you.</p>"
        "</body></html>",
        subtype="html",
    )
    return message

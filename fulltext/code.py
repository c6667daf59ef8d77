"""Links to a paper's code and artefacts: GitHub, GitLab, Bitbucket, Codeberg, Hugging Face
(models, datasets, spaces), and project pages named as such.

Found in the abstract and the comments (always the paper's own), and in the full text when there
is one: a link introduced by "our code", "code is available at", "we release"... is the paper's
own too; any other link in the text, or one only in the references, is code the paper cites.
Links are normalised (``https``, no ``.git``, fragment, query or trailing punctuation; a
repository rather than a file in it) and listed once, the paper's own first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from fulltext.document import CodeLink, FullText

_URL = re.compile(
    r"(?:https?://|(?<![\w./@])(?:www\.)?(?=(?:github|gitlab|huggingface)\.))"
    r"[^\s<>\"'{}|\\^`\[\]]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}>'\"*"
_REPOSITORY_HOSTS = {
    "github.com": "github",
    "gitlab.com": "gitlab",
    "bitbucket.org": "bitbucket",
    "codeberg.org": "codeberg",
    "huggingface.co": "huggingface",
    "hf.co": "huggingface",
}
_NOT_REPOSITORIES = {
    "about", "features", "pricing", "login", "join", "explore", "topics", "docs", "blog",
    "papers", "settings", "orgs", "sponsors", "marketplace",
}  # fmt: skip  # a list of names reads better in rows than one a line
_OWN = re.compile(
    r"(?:\bour\s+(?:code|implementation|models?|data(?:set)?s?|benchmark|project|repository|"
    r"software|tool(?:kit)?|library|framework)|\bcode\s+(?:and\s+\w+\s+)?(?:is|are|will\s+be)"
    r"\s+(?:publicly\s+|made\s+|freely\s+|openly\s+)*available|\bavailable\s+(?:at|from|on)|"
    r"\bwe\s+(?:release|open[- ]source|make|publish|provide)|\bproject\s+(?:page|website|site)|"
    r"\breleased\s+at|\bcan\s+be\s+found\s+at|\bcode:|\bgithub:|\bwebsite:|\bdemo:)",
    re.IGNORECASE,
)
_PROJECT_PAGE = re.compile(
    r"(?:project\s+(?:page|website|site)|code\s+(?:is|are)\s+(?:publicly\s+)?available\s+at)"
    r"\s*(?:is\s+|at\s+|:\s*)?$",
    re.IGNORECASE,
)
_CONTEXT = 90  # characters before a link that may introduce it as the paper's own


def normalise(url: str) -> str | None:
    """The canonical form of a code link, or None when ``url`` is not one (a profile, a site)."""
    url = url.strip().rstrip(_TRAILING)
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    kind = _REPOSITORY_HOSTS.get(host)
    if kind is None:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if kind == "huggingface":
        host = "huggingface.co"
        if segments[:1] in (["datasets"], ["spaces"]):
            keep = segments[:3]
            if len(keep) < 3:
                return None
        else:
            keep = segments[:2]
            if len(keep) < 2 or keep[0] in _NOT_REPOSITORIES | {"models", "collections"}:
                return None
    elif kind == "gitlab":
        keep = segments[: segments.index("-")] if "-" in segments else segments[:3]
        if len(keep) < 2:
            return None
    else:
        keep = segments[:2]
        if len(keep) < 2 or keep[0].lower() in _NOT_REPOSITORIES:
            return None
    keep[-1] = keep[-1].removesuffix(".git")
    if not keep[-1]:
        return None
    return f"https://{host}/" + "/".join(keep)


def _project_page(url: str) -> str | None:
    url = url.strip().rstrip(_TRAILING)
    parts = urlsplit(url if "://" in url else "https://" + url)
    if not parts.hostname:
        return None
    path = parts.path.rstrip("/")
    return f"https://{parts.hostname.lower()}{path}"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class _Found:
    def __init__(self) -> None:
        self.links: dict[str, CodeLink] = {}

    def add(self, url: str | None, own: bool) -> None:
        if url is None:
            return
        known = self.links.get(url)
        if known is None or (own and not known.own):
            self.links[url] = CodeLink(url, _host(url), own)

    def scan(self, text: str, *, own: bool | None) -> None:
        """Links in ``text``: all own (``own=True``), all cited (False), or judged by the
        words before each (None)."""
        for match in _URL.finditer(text):
            before = text[max(0, match.start() - _CONTEXT) : match.start()]
            is_own = own if own is not None else bool(_OWN.search(before))
            code = normalise(match.group(0))
            if code is not None:
                self.add(code, is_own)
            elif _PROJECT_PAGE.search(before) and own is not False:
                self.add(_project_page(match.group(0)), True)

    def ordered(self) -> tuple[CodeLink, ...]:
        links = list(self.links.values())
        return tuple(sorted(links, key=lambda link: not link.own))  # stable: order kept


def find_code_links(
    abstract: str = "", comment: str | None = None, document: FullText | None = None
) -> tuple[CodeLink, ...]:
    """The code links of a paper, its own first (see the module docstring)."""
    found = _Found()
    found.scan(abstract or "", own=True)
    found.scan(comment or "", own=True)
    if document is not None:
        found.scan(document.abstract, own=True)
        for href in document.front_links:
            found.add(normalise(href), True)
        for section in document.sections:
            found.scan(section.text, own=None)
        mentioned = set(found.links)
        for link in _cited_links(document.links, mentioned):
            found.add(link, False)
        for reference in document.references:
            found.scan(reference.text, own=False)
    return found.ordered()


def _cited_links(links: Iterable[str], seen: set[str]) -> Iterable[str]:
    """The code links among the hrefs of a page that its text did not show."""
    for href in links:
        code = normalise(href)
        if code is not None and code not in seen:
            yield code

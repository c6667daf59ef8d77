"""arXiv identifiers: old style (``hep-th/9901001``) and new style (``2401.01234``).

Parsing is total: any text either is an id or raises ``InvalidArxivId`` (never another
error), so a caller that catches ``InvalidArxivId`` has handled every bad id. Only ASCII
digits and letters count (not the digits of other scripts), and a version is a positive
number of at most ``MAX_VERSION_DIGITS`` digits (arXiv's versions run to a few dozen).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_VERSION_DIGITS = 6
_VERSION = rf"(?:v([1-9][0-9]{{0,{MAX_VERSION_DIGITS - 1}}}))?"
_NEW = re.compile(
    r"(?:arxiv:)?([0-9]{2}(?:0[1-9]|1[0-2])\.[0-9]{4,5})" + _VERSION, re.IGNORECASE | re.ASCII
)
_OLD = re.compile(
    r"(?:arxiv:)?([a-z]+(?:-[a-z]+)*)(?:\.[a-z]{2})?/([0-9]{2}(?:0[1-9]|1[0-2])[0-9]{3})"
    + _VERSION,
    re.IGNORECASE | re.ASCII,
)
_URL_PREFIX = re.compile(
    r"^(?:https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:)", re.IGNORECASE | re.ASCII
)


class InvalidArxivId(ValueError):
    """Text that is not an arXiv identifier (the only error ``parse_arxiv_id`` raises)."""


@dataclass(frozen=True, slots=True)
class ArxivId:
    id: str  # without version
    version: int | None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an id, a versioned id, an ``arXiv:`` id, an abs/pdf URL or an OAI identifier.

    The subject class of old-style ids is not part of the id: ``math.CA/0611800v2`` is
    ``math/0611800`` version 2.
    """
    if not isinstance(text, str):
        raise InvalidArxivId(f"not an arXiv identifier: {text!r:.80}")
    raw = _URL_PREFIX.sub("", text.strip())
    raw = raw.removesuffix(".pdf")
    if match := _NEW.fullmatch(raw):
        return ArxivId(match.group(1), int(match.group(2)) if match.group(2) else None)
    if match := _OLD.fullmatch(raw):
        archive, number, version = match.groups()
        return ArxivId(f"{archive.lower()}/{number}", int(version) if version else None)
    raise InvalidArxivId(f"not an arXiv identifier: {text[:80]!r}")


def is_arxiv_id(text: str) -> bool:
    try:
        parse_arxiv_id(text)
    except InvalidArxivId:
        return False
    return True


def abs_url(arxiv_id: str, version: int | None = None) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}" + (f"v{version}" if version else "")


def pdf_url(arxiv_id: str, version: int | None = None) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}" + (f"v{version}" if version else "")

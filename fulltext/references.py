"""Finding the arXiv id and the DOI a bibliography entry names, in its text or its links.

arXiv ids in both styles (``2401.01234``, ``hep-th/9901001``, with a version when given, as
``arXiv:1610.10099v2`` or an ``arxiv.org/abs/`` link); DOIs as ``10.<registrant>/<suffix>``,
bare or in a ``doi.org`` link, without the punctuation that ends a sentence.
"""

from __future__ import annotations

import re

from crawler.ids import InvalidArxivId, parse_arxiv_id

_ARXIV = re.compile(
    r"(?:arxiv(?:\.org/(?:abs|pdf)/|\s*:\s*|\s+(?:preprint\s+)?(?:arxiv:)?\s*)"
    r"|\barxiv\.org/(?:abs|pdf)/)"
    r"((?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?)",
    re.IGNORECASE,
)
_NEW_BARE = re.compile(r"(?<![\d.])(\d{2}(?:0[1-9]|1[0-2])\.\d{5}(?:v\d+)?)(?![\d.])")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_TRAILING = ".,;:)]}'\""


def find_arxiv_id(text: str) -> str | None:
    """The first arXiv id named in ``text`` (``1610.10099v2``, ``hep-th/9901001``), or None."""
    for match in _ARXIV.finditer(text):
        try:
            return str(parse_arxiv_id(match.group(1)))
        except InvalidArxivId:
            continue
    for match in _NEW_BARE.finditer(text):  # five-digit new-style ids are unambiguous enough
        try:
            return str(parse_arxiv_id(match.group(1)))
        except InvalidArxivId:
            continue
    return None


def find_doi(text: str) -> str | None:
    """The first DOI in ``text``, without trailing punctuation, or None."""
    match = _DOI.search(text)
    if match is None:
        return None
    doi = match.group(1)
    while doi and doi[-1] in _TRAILING:
        if doi[-1] == ")" and doi.count("(") >= doi.count(")"):
            break
        doi = doi[:-1]
    return doi or None

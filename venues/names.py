"""Venue names as papers.cool writes them (``ACL.2017``, ``ICLR.2024``) and their fields."""

from __future__ import annotations

import re

from crawler.ids import InvalidArxivId, parse_arxiv_id

VENUE_NAME = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,30})\.(\d{4})", re.ASCII)
# The search's category code of a venue: ``venue.ACL.2017``; ``venue`` alone is every venue.
CATEGORY_PREFIX = "venue."

# A venue paper's id, ``<source>:<key>``: ``acl:2024.acl-long.1``, ``pmlr:v247/agrawal24a``.
PAPER_SOURCES = ("acl", "pmlr", "openreview", "cvf")
VENUE_PAPER_ID = rf"(?:{'|'.join(PAPER_SOURCES)}):[A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]+)?"
_VENUE_PAPER_ID = re.compile(VENUE_PAPER_ID, re.ASCII)

# The name of each known venue as written, and its field (the /venue page groups by field).
FIELDS: dict[str, str] = {
    "ACL": "Natural language processing",
    "EMNLP": "Natural language processing",
    "NAACL": "Natural language processing",
    "EACL": "Natural language processing",
    "COLING": "Natural language processing",
    "Findings": "Natural language processing",
    "TACL": "Natural language processing",
    "CL": "Natural language processing",
    "CCL": "Natural language processing",
    "LREC": "Natural language processing",
    "CoNLL": "Natural language processing",
    "ICLR": "Machine learning",
    "NeurIPS": "Machine learning",
    "ICML": "Machine learning",
    "AISTATS": "Machine learning",
    "UAI": "Machine learning",
    "CoRL": "Robotics",
    "COLT": "Learning theory",
    "ALT": "Learning theory",
    "CVPR": "Computer vision",
    "ICCV": "Computer vision",
    "WACV": "Computer vision",
    "COLM": "Language modeling",
}
_CANONICAL = {name.lower(): name for name in FIELDS}
OTHER_FIELD = "Other venues"

# The Anthology's old collection letters (``P17`` is ACL 2017).
ANTHOLOGY_LETTERS = {
    "P": "ACL", "D": "EMNLP", "N": "NAACL", "E": "EACL", "C": "COLING", "Q": "TACL",
    "J": "CL", "K": "CoNLL", "L": "LREC", "W": "WS", "S": "SemEval", "I": "IJCNLP",
    "Y": "PACLIC", "O": "ROCLING", "U": "ALTA", "R": "RANLP", "A": "ANLP", "H": "HLT",
    "M": "MUC", "T": "TINLAP", "X": "COLING", "F": "JEP-TALN",
}  # fmt: skip  # a table reads better in rows than one entry a line


def canonical_name(name: str) -> str:
    """``acl`` → ``ACL``, ``neurips`` → ``NeurIPS``; an unknown name in capitals."""
    return _CANONICAL.get(name.lower(), name.upper())


def venue_name(name: str, year: int | str) -> str:
    return f"{canonical_name(name)}.{int(year)}"


def parse_venue(text: str) -> tuple[str, int] | None:
    """``ICLR.2024`` → ``("ICLR", 2024)`` (the name as canonical), else None."""
    match = VENUE_NAME.fullmatch(text.strip())
    if match is None:
        return None
    return canonical_name(match.group(1)), int(match.group(2))


def field_of(venue: str) -> str:
    return FIELDS.get(venue.split(".", 1)[0], OTHER_FIELD)


def category_of(venue: str) -> str:
    return CATEGORY_PREFIX + venue


def is_venue_paper_id(text: str) -> bool:
    """``acl:P17-1002``, ``pmlr:v247/agrawal24a``: a venue paper's id (not an arXiv id)."""
    return _VENUE_PAPER_ID.fullmatch(text) is not None


def parse_paper_id(text: str) -> str:
    """Any paper's id as stored: an arXiv id without its version (``2401.01234v2`` is
    ``2401.01234``) or a venue paper's ``<source>:<key>``; ``ValueError`` for anything else."""
    text = text.strip()
    if is_venue_paper_id(text):
        return text
    try:
        return parse_arxiv_id(text).id
    except InvalidArxivId:
        raise ValueError(f"neither an arXiv id nor a venue paper's id: {text[:80]!r}") from None

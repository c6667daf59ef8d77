"""Text of venue sources: markup to plain text with math, code links, comparable titles."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_CODE_URL = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|huggingface\.co)/"
    r"[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+",
    re.ASCII,
)
_EMPH = re.compile(r"\\(?:emph|textit|textbf|texttt|textsc)\{([^{}]*)\}")
_WORD = re.compile(r"\w+")


def squeeze(text: str) -> str:
    """Runs of white space as one space, ends trimmed."""
    return _SPACES.sub(" ", text).strip()


def plain_tex(text: str) -> str:
    """A TeX abstract as text: ``\\emph{x}`` is ``x``; math stays between ``$``."""
    return squeeze(_EMPH.sub(r"\1", text))


def code_links(*texts: str | None) -> tuple[str, ...]:
    """Links to code repositories written in ``texts``, in order, without trailing dots."""
    found: list[str] = []
    for text in texts:
        for match in _CODE_URL.finditer(text or ""):
            url = match.group(0).rstrip(".")
            if url.endswith(".git"):
                url = url[:-4]
            found.append(url)
    return tuple(dict.fromkeys(found))


def title_key(title: str) -> str:
    """A title as compared across sources: case, accents, TeX and punctuation aside."""
    text = unicodedata.normalize("NFKD", title.replace("$", " ").replace("\\", " "))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text.casefold()))


def surname_keys(names: list[str] | tuple[str, ...]) -> set[str]:
    """The folded last word of each name (``Ada Lovelace`` → ``lovelace``)."""
    keys = set()
    for name in names:
        words = title_key(name).split()
        if words:
            keys.add(words[-1])
    return keys


# The share of their words two abstracts must have in common to be one version of a paper (a
# camera-ready abstract edited here and there still is; a rewritten one is not).
SAME_VERSION_OVERLAP = 0.8


def versions_agree(venue_abstract: str | None, arxiv_abstract: str | None) -> bool:
    """Whether a venue paper and its arXiv twin (same title, authors in common) say the same:
    their abstracts share at least ``SAME_VERSION_OVERLAP`` of their words (Jaccard), or the
    venue gives no abstract to disagree with."""
    venue_words = set(title_key(venue_abstract or "").split())
    if not venue_words:
        return True
    arxiv_words = set(title_key(arxiv_abstract or "").split())
    if not arxiv_words:
        return False
    shared = len(venue_words & arxiv_words) / len(venue_words | arxiv_words)
    return shared >= SAME_VERSION_OVERLAP

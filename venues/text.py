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

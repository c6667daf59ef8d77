"""BibTeX entries of arXiv papers, as arXiv's own export writes them (``@misc`` with eprint)."""

from __future__ import annotations

import re
import unicodedata

from models.schema import Paper
from web.tex import untex_accents

_SPECIAL = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}"}


def _field(text: str) -> str:
    """Plain text safe inside braces: TeX specials outside math escaped, braces balanced."""
    text = " ".join(text.split())
    out: list[str] = []
    in_math = False
    for i, ch in enumerate(text):
        if ch == "$" and (i == 0 or text[i - 1] != "\\"):
            in_math = not in_math
        if not in_math and ch in _SPECIAL and (i == 0 or text[i - 1] != "\\"):
            out.append(_SPECIAL[ch])
        else:
            out.append(ch)
    result = "".join(out)
    if in_math or result.count("{") != result.count("}"):
        result = "".join(_SPECIAL.get(ch, ch) for ch in text.replace("\\", ""))
    return result


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", untex_accents(text))
    return re.sub(r"[^A-Za-z]", "", folded.encode("ascii", "ignore").decode()).lower()


def cite_key(paper: Paper) -> str:
    """``lovelace2024study``: first author's family name, year, first long word of the title."""
    family = _ascii_word(paper.authors[0].name.split()[-1]) if paper.authors else ""
    year = str(paper.published.year) if paper.published else ""
    words = [w for w in (_ascii_word(w) for w in paper.title.split()) if len(w) > 3]
    key = f"{family}{year}{words[0] if words else ''}"
    return key or "arxiv" + re.sub(r"\W", "", paper.id)


def bibtex_entry(paper: Paper, key: str | None = None) -> str:
    fields = [
        ("title", "{" + _field(paper.title) + "}"),
        ("author", " and ".join(_field(a.name) for a in paper.authors)),
        ("year", str(paper.published.year) if paper.published else ""),
        ("eprint", paper.id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category or ""),
        ("doi", paper.doi or ""),
        ("url", f"https://arxiv.org/abs/{paper.id}"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key or cite_key(paper)},\n{body}\n}}\n"


def bibtex(papers: list[Paper]) -> str:
    """Entries for ``papers``, their keys made unique with a, b, c suffixes."""
    seen: dict[str, int] = {}
    entries: list[str] = []
    for paper in papers:
        key = cite_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        entries.append(bibtex_entry(paper, key + (chr(ord("a") + count - 1) if count else "")))
    return "\n".join(entries)

"""What a subscription follows, checked against the archive before anything is stored.

- ``{"query": ...}``: a saved search in the search language (``search.query``);
- ``{"author": ...}``: a name, matched with the spellings the archive holds of it (accents,
  case, initials); when the name fits several people, the reader chooses among them;
- ``{"category": ...}``: a category, or a merged list such as ``cs.CL+cs.LG``;
- ``{"venue": ...}``: a venue, only where the archive has a table of venues.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from alerts.addresses import AlertInputError, refuse_injection
from models.schema import Author, Category
from search import parse_query
from search.query import parse_category

KINDS = ("query", "author", "category", "venue")
MAX_FOLLOWS = 20
MAX_VALUE_CHARS = 500
MAX_CATEGORIES = 16


@dataclass(frozen=True, slots=True)
class Follow:
    """One thing followed: ``terms`` are what it matches (folded author spellings, the
    categories of a list, the folded venue); a query is matched by the search engine."""

    kind: str
    value: str
    terms: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return {"query": "search", "author": "author", "category": "category", "venue": "venue"}[
            self.kind
        ] + f" {self.value}"


@functools.lru_cache(maxsize=1 << 16)
def fold_name(name: str) -> str:
    """A name without accents, case, dots or extra spaces: ``Schrödinger, E.`` and
    ``schrodinger e`` fold alike (LaTeX accents such as ``\\"o`` too)."""
    name = re.sub(r"\\[\"'`^~=.uvHc]\{?([A-Za-z])\}?", r"\1", name)
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s-]", " ", plain.casefold()).split())


def name_key(folded: str) -> tuple[str, str]:
    """(first initial, last name): the key under which ``Y. Bengio`` meets ``Yoshua Bengio``."""
    parts = folded.split()
    if not parts:
        return ("", "")
    return (parts[0][:1] if len(parts) > 1 else "", parts[-1])


def _full(folded: str) -> bool:
    parts = folded.split()
    return len(parts) > 1 and len(parts[0]) > 1


async def resolve_author(session: AsyncSession, text: str) -> Follow:
    folded = fold_name(text)
    if not folded:
        raise AlertInputError("author", "author: give a name")
    initial, last = name_key(folded)
    rows = await session.execute(
        select(Author.name).where(Author.name.ilike(f"%{last[:60]}%")).limit(5000)
    )
    spellings = {fold_name(name): name for (name,) in rows}
    same_key = {
        f: n
        for f, n in spellings.items()
        if name_key(f)[1] == last and (not initial or name_key(f)[0] == initial)
    }
    if folded in spellings:
        chosen = folded
    else:
        people = sorted({spellings[f] for f in same_key if _full(f)})
        if len(people) > 1:
            raise AlertInputError(
                "author",
                f"author: {text.strip()!r} fits several people; choose one: " + ", ".join(people),
                tuple(people),
            )
        if not same_key:
            raise AlertInputError(
                "author", f"author: nobody named {text.strip()!r} in this archive"
            )
        chosen = fold_name(people[0]) if people else next(iter(same_key))
    # The variants: the chosen spelling, and the initialled ones of the same person.
    variants = {chosen} | {f for f in same_key if not _full(f)}
    if _full(chosen):
        full_names = {f for f in same_key if _full(f)}
        if full_names == {chosen}:
            variants |= same_key.keys()
    return Follow("author", spellings.get(chosen, text.strip()), tuple(sorted(variants)))


async def resolve_categories(session: AsyncSession, text: str) -> Follow:
    wanted = [part.strip() for part in re.split(r"[+,\s]+", text) if part.strip()]
    if not wanted:
        raise AlertInputError("category", "category: give a category such as cs.CL")
    if len(wanted) > MAX_CATEGORIES:
        raise AlertInputError("category", f"category: at most {MAX_CATEGORIES} in one list")
    known = set((await session.execute(select(Category.code))).scalars())
    codes = []
    for part in wanted:
        code = parse_category(part)
        if code is None or not (code in known or any(k.startswith(code + ".") for k in known)):
            raise AlertInputError("category", f"category: no category {part[:40]!r} here")
        codes.append(code)
    codes = list(dict.fromkeys(codes))
    return Follow("category", "+".join(codes), tuple(codes))


async def has_venues(session: AsyncSession) -> bool:
    def check(sync_session: Session) -> bool:
        return bool(inspect(sync_session.connection()).has_table("venues"))

    return await session.run_sync(check)


async def resolve_follow(session: AsyncSession, item: object) -> Follow:
    if not isinstance(item, dict) or len(item) != 1:
        raise AlertInputError(
            "follow", "follow: each item is one of {query}, {author}, {category}, {venue}"
        )
    ((kind, value),) = item.items()
    if kind not in KINDS:
        raise AlertInputError("follow", f"follow: unknown kind {str(kind)[:20]!r}")
    if not isinstance(value, str) or not value.strip():
        raise AlertInputError(kind, f"{kind}: give a non-empty text")
    refuse_injection(kind, value)
    if len(value) > MAX_VALUE_CHARS:
        raise AlertInputError(kind, f"{kind}: at most {MAX_VALUE_CHARS} characters")
    value = value.strip()
    if kind == "query":
        query = parse_query(value)
        if query.is_empty or (not query.positive_terms() and not query.categories):
            raise AlertInputError(
                "query", f"query: {value[:80]!r} has no word or category to look for"
            )
        return Follow("query", value)
    if kind == "author":
        return await resolve_author(session, value)
    if kind == "category":
        return await resolve_categories(session, value)
    if not await has_venues(session):
        raise AlertInputError("venue", "venue: this archive does not know venues yet")
    return Follow("venue", value, (fold_name(value),))


async def resolve_follows(session: AsyncSession, items: object) -> list[Follow]:
    """The follows of a request, each checked; AlertInputError on the first that is not."""
    if not isinstance(items, list) or not items:
        raise AlertInputError("follow", "follow: give at least one thing to follow")
    if len(items) > MAX_FOLLOWS:
        raise AlertInputError("follow", f"follow: at most {MAX_FOLLOWS} things")
    follows = [await resolve_follow(session, item) for item in items]
    return list(dict.fromkeys(follows))

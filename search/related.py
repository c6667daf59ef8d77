"""Papers related to a paper: its rarest title and abstract words, any of them, ranked by BM25."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from search import sqlite
from search.analysis import MIN_PARTIAL_CHARS, Analyzer
from search.indexing import supports_index
from search.options import shared_analyzer
from search.query import Clause, Query, Term
from search.text import words

RELATED_TERMS = 12


async def related_paper_ids(
    session: AsyncSession,
    paper_id: str,
    title: str,
    abstract: str,
    *,
    limit: int = 5,
    analyzer: Analyzer | None = None,
) -> list[str]:
    """Ids of up to ``limit`` other visible papers sharing the most distinctive words."""
    if not supports_index(session):
        return []
    title_words = [w for w in words(title or "") if len(w) >= MIN_PARTIAL_CHARS]
    abstract_words = [w for w in words(abstract or "") if len(w) >= MIN_PARTIAL_CHARS]
    candidates = list(dict.fromkeys([*title_words, *abstract_words]))
    frequencies = await sqlite.document_frequencies(session, candidates)
    # Words other papers share, rarest first; title words win ties.
    shared = [w for w in candidates if frequencies.get(w, 0) > 1]
    shared.sort(key=lambda w: (frequencies[w], w not in title_words))
    chosen = shared[:RELATED_TERMS]
    if not chosen:
        return []
    # Quoted: the words themselves, without their variants.
    query = Query(clauses=(Clause(tuple(Term((w,), quoted=True) for w in chosen)),))
    found = await sqlite.run_search(
        session,
        query,
        sqlite.Filters(),
        analyzer or shared_analyzer(),
        sort="relevance",
        limit=limit + 1,
        offset=0,
    )
    return [i for i, _ in found.ranked if i != paper_id][:limit]

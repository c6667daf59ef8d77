"""Papers related to the one a page shows, from the search index."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models.queries import get_papers
from models.schema import Paper
from search import related_paper_ids


async def related_papers(session: AsyncSession, paper: Paper, limit: int = 5) -> list[Paper]:
    """Up to ``limit`` other visible papers sharing ``paper``'s most distinctive words, best
    first, with their authors and categories loaded; [] when the index has none."""
    ids = await related_paper_ids(
        session, paper.id, paper.title or "", paper.abstract or "", limit=limit
    )
    return await get_papers(session, ids)

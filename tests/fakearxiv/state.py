"""What a crawl leaves in the database, in a form two databases can be compared by.

Volatile columns (when a row was written, by which run) and the bookkeeping tables are
left out; authors are named rather than numbered, so that two databases filled in a
different order compare equal when they hold the same papers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.db import create_engine, session_factory
from models.settings import Settings

QUERIES = {
    "papers": "select id, version, title, abstract, primary_category, published, updated,"
    " comment, journal_ref, doi, report_no, license, withdrawn from papers",
    "paper_versions": "select paper_id, version, submitted, size, source_type from paper_versions",
    "paper_authors": "select pa.paper_id, pa.position, a.name, pa.affiliation"
    " from paper_authors pa join authors a on a.id = pa.author_id",
    "paper_categories": "select paper_id, category, position, is_primary from paper_categories",
    "announcements": "select paper_id, category, announced_on, type, version from announcements",
    "categories": "select code from categories",
}


def database_state(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as connection:
        return {
            table: sorted(connection.execute(query).fetchall(), key=repr)
            for table, query in QUERIES.items()
        }


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"select count(*) from {table}").fetchone()[0]


def crawl_runs(path: Path) -> list[dict]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute("select * from crawl_runs order by id")]


@asynccontextmanager
async def open_database(path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the SQLite database at ``path`` (already migrated)."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}", settings=Settings())
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()

"""Reading and writing the full-text rows of paper versions (``models.fulltext``).

The document is stored as zlib-compressed JSON; a row is written whatever the outcome, so that
operators see failures and a later run knows what to retry.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from typing import NotRequired, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from fulltext.document import CodeLink, FullText, FullTextStatus, StoredFullText
from models.fulltext import PaperFullText
from models.plain import IDS, driver_connection, ids_parameter, read_rows
from models.schema import utcnow


def compress(document: FullText) -> bytes:
    return zlib.compress(document.to_json().encode("utf-8"), 6)


def decompress(blob: bytes) -> FullText:
    return FullText.from_json(zlib.decompress(blob))


class CodeLinkJSON(TypedDict):
    """A code link as the ``code_links`` column holds it (``own`` read as False if missing)."""

    url: str
    host: str
    own: NotRequired[bool]


def _links_json(links: Iterable[CodeLink]) -> list[CodeLinkJSON]:
    return [{"url": link.url, "host": link.host, "own": link.own} for link in links]


def _links(rows: Iterable[CodeLinkJSON]) -> tuple[CodeLink, ...]:
    return tuple(CodeLink(row["url"], row["host"], bool(row.get("own"))) for row in rows)


async def save(
    session: AsyncSession,
    paper_id: str,
    version: int,
    status: FullTextStatus,
    *,
    source: str | None = None,
    reason: str | None = None,
    document: FullText | None = None,
    code_links: Sequence[CodeLink] = (),
    bytes_fetched: int = 0,
) -> PaperFullText:
    """Record how fetching ``paper_id`` v``version`` ended (the caller commits)."""
    row = await session.get(PaperFullText, (paper_id, version))
    if row is None:
        row = PaperFullText(paper_id=paper_id, version=version, attempts=0)
        session.add(row)
    blob = compress(document) if document is not None else None
    row.status = str(status)
    row.source = source
    row.reason = reason
    row.document = blob
    row.bytes_fetched = bytes_fetched
    row.bytes_stored = len(blob) if blob else 0
    row.code_links = _links_json(code_links)
    row.fetched_at = utcnow()
    row.attempts = (row.attempts or 0) + 1
    return row


def stored(row: PaperFullText, *, with_document: bool = True) -> StoredFullText:
    return StoredFullText(
        paper_id=row.paper_id,
        version=row.version,
        status=FullTextStatus(row.status),
        source=row.source,
        reason=row.reason,
        document=decompress(row.document) if with_document and row.document else None,
        code_links=_links(row.code_links or ()),
    )


async def load(session: AsyncSession, paper_id: str, version: int) -> StoredFullText | None:
    """The row of one paper version, with its document decompressed; None if never fetched."""
    row = await session.get(PaperFullText, (paper_id, version))
    return stored(row) if row is not None else None


_SQLITE_ROW = (
    "SELECT status, source, reason, document, code_links FROM paper_fulltexts"
    " WHERE paper_id = ? AND version = ?"
)


async def read(session: AsyncSession, paper_id: str, version: int) -> StoredFullText | None:
    """What ``load`` gives, for a reader that writes nothing (the paper page): on SQLite one
    read on the session's sqlite3 connection, no ORM object (what the session holds and has
    not flushed is not seen)."""
    direct = await driver_connection(session)
    if direct is None:
        return await load(session, paper_id, version)
    row = direct.execute(_SQLITE_ROW, (paper_id, version)).fetchone()
    if row is None:
        return None
    status, source, reason, document, links = row
    return StoredFullText(
        paper_id=paper_id,
        version=version,
        status=FullTextStatus(status),
        source=source,
        reason=reason,
        document=decompress(document) if document else None,
        code_links=_links(json.loads(links) or ()) if links else (),
    )


_CODE_LINKS = (
    "SELECT f.paper_id, f.code_links FROM paper_fulltexts f"
    " JOIN papers p ON p.id = f.paper_id AND p.version = f.version"
    " WHERE f.paper_id IN " + IDS
)


async def code_links(
    session: AsyncSession, paper_ids: Sequence[str]
) -> dict[str, tuple[CodeLink, ...]]:
    """The code links of each paper's current version, for the papers that have some: one
    plain read for a whole list."""
    if not paper_ids:
        return {}
    rows = await read_rows(session, _CODE_LINKS, (ids_parameter(list(paper_ids)),))
    found = {}
    for paper_id, links in rows:
        if isinstance(links, str):  # JSON as text: SQLite's, and asyncpg's without a codec
            links = json.loads(links)
        if links:
            found[paper_id] = _links(links)
    return found

"""The table of full texts: one row per paper version whose full text was asked for.

The row says how fetching ended (``fulltext.FullTextStatus``) and, when it is ``ok``, holds the
extracted document as zlib-compressed JSON (``fulltext.FullText``), never the raw HTML or PDF;
``code_links`` (a list of ``{"url", "host", "own"}``) is kept apart so lists can show and filter
by it without decompressing documents.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.schema import Base, UTCDateTime, utcnow


class PaperFullText(Base):
    __tablename__ = "paper_fulltexts"

    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # a fulltext.FullTextStatus value
    source: Mapped[str | None] = mapped_column(String(8))  # "html" or "pdf"
    reason: Mapped[str | None] = mapped_column(Text)  # why it failed, for operators
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    bytes_fetched: Mapped[int] = mapped_column(Integer, default=0)  # the HTML or PDF received
    bytes_stored: Mapped[int] = mapped_column(Integer, default=0)  # the compressed document
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    code_links: Mapped[list] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_paper_fulltexts_status", "status"),)

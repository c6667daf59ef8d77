"""The table of embeddings: one vector per paper, from the embeddings model named by the
settings (``EMBEDDINGS_MODEL``), for the paper's version it was computed from."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.schema import Base, UTCDateTime, utcnow


class PaperEmbedding(Base):
    """A paper's vector (of its title and abstract), as the endpoint's ``model`` made it."""

    __tablename__ = "paper_embeddings"

    paper_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    vector: Mapped[list[float]] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

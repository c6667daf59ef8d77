"""popularity and embeddings: one row per paper, kind of event, day and browser; one vector
per paper

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12

``paper_events`` (see ``models.popularity``): a star, a FAQ opened or a PDF clicked, counted
at most once per browser, paper, kind and day; the browser is kept only as a digest of a
random id and the day. ``paper_embeddings`` (see ``models.embeddings``): a vector per paper
from the embeddings endpoint, blended into the related papers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paper_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("paper_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_events")),
        sa.UniqueConstraint("paper_id", "kind", "day", "visitor", name="uq_paper_events_once"),
    )
    op.create_index("ix_paper_events_day_paper", "paper_events", ["day", "paper_id"])
    op.create_table(
        "paper_embeddings",
        sa.Column("paper_id", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("vector", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_paper_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("paper_embeddings")
    op.drop_index("ix_paper_events_day_paper", table_name="paper_events")
    op.drop_table("paper_events")

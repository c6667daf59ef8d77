"""full texts of paper versions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

``paper_fulltexts``: per paper version, how fetching its full text ended and the extracted
document, compressed (see ``models.fulltext``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paper_fulltexts",
        sa.Column("paper_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("bytes_fetched", sa.Integer(), nullable=False),
        sa.Column("bytes_stored", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("code_links", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_paper_fulltexts_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", "version", name=op.f("pk_paper_fulltexts")),
    )
    op.create_index("ix_paper_fulltexts_status", "paper_fulltexts", ["status"])


def downgrade() -> None:
    op.drop_index("ix_paper_fulltexts_status", table_name="paper_fulltexts")
    op.drop_table("paper_fulltexts")

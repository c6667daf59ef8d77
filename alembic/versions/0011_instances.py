"""many instances over one database: summary claims and rate windows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12

``summary_claims`` (the summary generations in progress: their instance, heartbeat and the
answer so far) and ``rate_windows`` (requests per client and window), see
``models.instances``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "summary_claims",
        sa.Column("paper_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("generating", sa.Boolean(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "paper_id", "version", "language", "model", name=op.f("pk_summary_claims")
        ),
    )
    op.create_table(
        "rate_windows",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "client", "window", name=op.f("pk_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
    op.drop_table("summary_claims")

"""crawl runs name their process and beat while they run

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Adds ``host``, ``pid`` and ``heartbeat_at`` to ``crawl_runs``: a running crawl moves its
heartbeat every half minute, so that a run whose process was killed can be told from one
that is still working (and marked interrupted). Runs recorded before have none of them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite >= 3.35 drops columns in place): a batch copy of crawl_runs
# would drop the table, and job_runs' ON DELETE SET NULL would forget their crawl runs.


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("host", sa.String(length=255), nullable=True))
    op.add_column("crawl_runs", sa.Column("pid", sa.Integer(), nullable=True))
    op.add_column(
        "crawl_runs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("crawl_runs", "heartbeat_at")
    op.drop_column("crawl_runs", "pid")
    op.drop_column("crawl_runs", "host")

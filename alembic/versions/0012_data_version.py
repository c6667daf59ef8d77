"""the stored data version that page caches follow

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-20

``data_version``: one row whose ``version`` ingests and admin edits move forward, read by
every web instance to drop its cached pages (see ``models.data_version``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute(
        "INSERT INTO data_version (id, version, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
    )


def downgrade() -> None:
    op.drop_table("data_version")

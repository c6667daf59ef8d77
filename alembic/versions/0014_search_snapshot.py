"""every indexed paper's length and day stored whole

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-22

``search_snapshot``: one row holding, for the docids up to ``upto``, whether each is indexed,
its length and its day as three blobs of little-endian arrays (uint8, int32, int32), with
the last deletion applied (``deleted_upto``; see ``search.snapshot``). A process that
searches reads it in one row instead of every row of ``search_docs``. Filled here from the
index as it is.
"""

import itertools
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    blob = "BLOB" if bind.dialect.name == "sqlite" else "BYTEA"
    op.execute(
        "CREATE TABLE search_snapshot (upto BIGINT PRIMARY KEY, deleted_upto BIGINT NOT NULL, "
        f"alive {blob} NOT NULL, lengths {blob} NOT NULL, days {blob} NOT NULL)"
    )
    if bind.dialect.name == "postgresql":  # read whole at every start: not compressed
        for column in ("alive", "lengths", "days"):
            op.execute(f"ALTER TABLE search_snapshot ALTER COLUMN {column} SET STORAGE EXTERNAL")
    rows = bind.execute(sa.text("SELECT docid, length, day FROM search_docs")).fetchall()
    if not rows:
        return
    flat = itertools.chain.from_iterable(rows)
    table = np.fromiter(flat, dtype=np.int64, count=3 * len(rows)).reshape(-1, 3)
    size = int(table[:, 0].max()) + 1
    alive = np.zeros(size, dtype=np.uint8)
    lengths = np.zeros(size, dtype="<i4")
    days = np.zeros(size, dtype="<i4")
    alive[table[:, 0]] = 1
    lengths[table[:, 0]] = table[:, 1]
    days[table[:, 0]] = table[:, 2]
    deleted = bind.execute(sa.text("SELECT coalesce(max(seq), 0) FROM search_deleted")).scalar()
    bind.execute(
        sa.text(
            "INSERT INTO search_snapshot (upto, deleted_upto, alive, lengths, days) "
            "VALUES (:upto, :deleted, :alive, :lengths, :days)"
        ).bindparams(
            sa.bindparam("alive", type_=sa.LargeBinary),
            sa.bindparam("lengths", type_=sa.LargeBinary),
            sa.bindparam("days", type_=sa.LargeBinary),
        ),
        {
            "upto": size - 1,
            "deleted": int(deleted or 0),
            "alive": alive.tobytes(),
            "lengths": lengths.tobytes(),
            "days": days.tobytes(),
        },
    )


def downgrade() -> None:
    op.execute("DROP TABLE search_snapshot")

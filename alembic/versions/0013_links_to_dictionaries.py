"""links to the authors and categories without foreign keys

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-21

``authors`` and ``categories`` are dictionaries of names that rows are only ever added to:
an ingest writes a paper's author links with each author's id looked up by name in the
statement that writes the link (``author_id`` is NOT NULL), and its categories after
inserting their codes in the same transaction. Checking each link against them again cost
PostgreSQL a lookup and a row lock per link (a third of the server's work of an import);
the links to their paper keep their foreign keys, which delete them with it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINKS = (
    ("paper_authors", "author_id", "authors", "id"),
    ("paper_categories", "category", "categories", "code"),
    ("announcements", "category", "categories", "code"),
)


def upgrade() -> None:
    for table, column, referred, _ in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_{column}_{referred}", type_="foreignkey")


def downgrade() -> None:
    for table, column, referred, key in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                f"fk_{table}_{column}_{referred}", referred, [column], [key]
            )

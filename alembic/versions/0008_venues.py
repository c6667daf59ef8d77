"""venue papers and volumes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

``venue_papers``: what a conference's source tells of a paper stored in ``papers`` under
``<source>:<key>``; ``venue_volumes``: the proceedings' volumes with their front matter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "venue_papers",
        sa.Column("paper_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("venue", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=128), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("pages", sa.String(length=32), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("pdf_url", sa.Text(), nullable=True),
        sa.Column("landing_url", sa.Text(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("tldr", sa.Text(), nullable=True),
        sa.Column("code_links", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("arxiv_id", sa.String(length=64), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_venue_papers_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_venue_papers_crawl_run_id_crawl_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_venue_papers")),
    )
    op.create_index("ix_venue_papers_arxiv_id", "venue_papers", ["arxiv_id"])
    op.create_index("ix_venue_papers_venue_position", "venue_papers", ["venue", "position"])
    op.create_table(
        "venue_volumes",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("venue", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("editors", sa.JSON(), nullable=False),
        sa.Column("front_matter", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue_volumes")),
    )
    op.create_index("ix_venue_volumes_venue", "venue_volumes", ["venue"])


def downgrade() -> None:
    op.drop_index("ix_venue_volumes_venue", table_name="venue_volumes")
    op.drop_table("venue_volumes")
    op.drop_index("ix_venue_papers_venue_position", table_name="venue_papers")
    op.drop_index("ix_venue_papers_arxiv_id", table_name="venue_papers")
    op.drop_table("venue_papers")

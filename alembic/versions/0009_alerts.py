"""alerts: subscriptions, what they follow, digests sent and runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

``alert_subscriptions`` (an address kept only for its alerts), ``alert_tokens``
(hashed secret links),
``alert_follows``, ``alert_deliveries`` (one row per subscription and day, the record that
keeps a digest from going twice) and ``alert_runs`` (see ``models.alerts``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
    )
    op.create_index("ix_alert_subscriptions_email_hash", "alert_subscriptions", ["email_hash"])
    op.create_index("ix_alert_subscriptions_created_at", "alert_subscriptions", ["created_at"])
    op.create_table(
        "alert_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_alert_tokens_subscription_id_alert_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_alert_tokens")),
    )
    op.create_index("ix_alert_tokens_subscription_id", "alert_tokens", ["subscription_id"])
    op.create_table(
        "alert_follows",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_alert_follows_subscription_id_alert_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "position", name=op.f("pk_alert_follows")),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("papers", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_alert_deliveries_subscription_id_alert_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("subscription_id", "day", name="uq_alert_deliveries_subscription_day"),
    )
    op.create_index("ix_alert_deliveries_day_status", "alert_deliveries", ["day", "status"])
    op.create_table(
        "alert_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n_sent", sa.Integer(), nullable=False),
        sa.Column("n_failed", sa.Integer(), nullable=False),
        sa.Column("n_without_matches", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_runs")),
    )
    op.create_index("ix_alert_runs_started_at", "alert_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_runs_started_at", table_name="alert_runs")
    op.drop_table("alert_runs")
    op.drop_index("ix_alert_deliveries_day_status", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_table("alert_follows")
    op.drop_index("ix_alert_tokens_subscription_id", table_name="alert_tokens")
    op.drop_table("alert_tokens")
    op.drop_index("ix_alert_subscriptions_created_at", table_name="alert_subscriptions")
    op.drop_index("ix_alert_subscriptions_email_hash", table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")

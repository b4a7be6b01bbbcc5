"""What replicas must share instead of keeping in memory: conversation turns and chosen articles,
question counts for the per-minute limit, leases on jobs, heartbeats, and the send pace.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("doc_ids", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("turns_chat", "turns", ["chat_id", "id"])
    op.create_table(
        "focus",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "questions_asked",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("questions_asked_user", "questions_asked", ["user_id", "scope", "at"])
    op.create_table(
        "limit_notices",
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "heartbeats",
        sa.Column("replica", sa.Text, primary_key=True),
        sa.Column("beat_at", sa.Float, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "send_budget",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("next_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "send_budget",
        "heartbeats",
        "leases",
        "limit_notices",
        "questions_asked",
        "focus",
        "turns",
    ):
        op.drop_table(table)

"""The bot's tables as the first SQLite-only release made them: subscriptions, announced, outbox,
feeds, feed entries, state. A bot.sqlite3 from that release is stamped at this revision.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("topic", sa.Text, primary_key=True),
        sa.Column("chat_type", sa.Text, nullable=False, server_default="private"),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "announced",
        sa.Column("article_key", sa.Text, primary_key=True),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("announced_at", sa.Float, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.Text, nullable=False),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("article_key", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("chat_id", "article_key"),
    )
    op.create_index("outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "feeds",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_polled_at", sa.Float),
        sa.Column("last_status", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_poll_at", sa.Float, nullable=False, server_default="0"),
    )
    op.create_table(
        "feed_entries",
        sa.Column("feed_url", sa.Text, primary_key=True),
        sa.Column("entry_key", sa.Text, primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    op.create_table(
        "state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("state", "feed_entries", "feeds", "outbox", "announced", "subscriptions"):
        op.drop_table(table)

"""What readers and operators asked for next: per-chat settings (time zone, quiet hours, summary
length, digest schedule), excluded topics, articles waiting for a chat's digest, outbox rows that
carry a digest in several parts, answers with their 👍/👎, and searches whose pages are buttons.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_settings",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("time_zone", sa.Text),
        sa.Column("quiet_start", sa.Integer),
        sa.Column("quiet_end", sa.Integer),
        sa.Column("summary_sentences", sa.Integer),
        sa.Column("digest", sa.Text),
        sa.Column("digest_weekday", sa.Integer),
        sa.Column("digest_minute", sa.Integer),
        sa.Column("digest_due_at", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("chat_settings_digest_due", "chat_settings", ["digest_due_at"])
    op.create_table(
        "excluded_topics",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("topic", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "digest_items",
        sa.Column("chat_id", sa.BigInteger, primary_key=True),
        sa.Column("article_key", sa.Text, primary_key=True),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("queued_at", sa.Float, nullable=False),
    )
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("kind", sa.Text, nullable=False, server_default="notice"))
        outbox.add_column(sa.Column("body", sa.Text))
        outbox.add_column(sa.Column("parts_sent", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "feedback",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("short_answer", sa.Text),
        sa.Column("refused", sa.Boolean, nullable=False),
        sa.Column("citations", sa.Text, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.Column("revision", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("rating", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("rated_at", sa.Float),
    )
    op.create_index("feedback_rated", "feedback", ["rated_at"])
    op.create_index("feedback_created", "feedback", ["created_at"])
    op.create_table(
        "searches",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("searches", "feedback", "digest_items", "excluded_topics", "chat_settings"):
        op.drop_table(table)
    with op.batch_alter_table("outbox") as outbox:
        for column in ("parts_sent", "body", "kind"):
            outbox.drop_column(column)

"""The language a chat chose with /language, and the Telegram language of whoever last subscribed it
(the language of its notices and digests when it chose none).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_settings") as chats:
        chats.add_column(sa.Column("language", sa.Text))
        chats.add_column(sa.Column("reader_language", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("chat_settings") as chats:
        for column in ("reader_language", "language"):
            chats.drop_column(column)

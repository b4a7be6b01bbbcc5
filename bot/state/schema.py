"""The bot's tables, for SQLite and PostgreSQL alike (SQLAlchemy Core); migrations/ creates them.

Times are Unix seconds (floats) from the database's clock where replicas must agree (leases, the send
budget) and from the process's clock elsewhere, as before. Chat ids of notices are text: a channel
may be named "@username".
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("topic", Text, primary_key=True),
    Column("chat_type", Text, nullable=False, server_default="private"),
    Column("created_at", Float, nullable=False),
)

announced = Table(
    "announced",
    metadata,
    Column("article_key", Text, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("announced_at", Float, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", Text, nullable=False),
    Column("doc_id", Text, nullable=False),
    Column("article_key", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
    Column("error", Text),
    # "notice" (rendered from doc_id when sent) or "digest" (body: its messages, JSON; parts_sent of
    # them were accepted by Telegram, so a digest interrupted between parts resumes at the next one).
    Column("kind", Text, nullable=False, server_default="notice"),
    Column("body", Text),
    Column("parts_sent", Integer, nullable=False, server_default="0"),
    UniqueConstraint("chat_id", "article_key"),
    Index("outbox_due", "status", "next_attempt_at"),
)

feeds = Table(
    "feeds",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", Float),
    Column("last_status", Text),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("next_poll_at", Float, nullable=False, server_default="0"),
)

feed_entries = Table(
    "feed_entries",
    metadata,
    Column("feed_url", Text, primary_key=True),
    Column("entry_key", Text, primary_key=True),
    Column("seen_at", Float, nullable=False),
)

state = Table(
    "state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# Conversations: what each chat asked lately, and the article it chose to ask about next.
turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("at", Float, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("doc_ids", Text, nullable=False, server_default=""),
    Index("turns_chat", "chat_id", "id"),
)

focus = Table(
    "focus",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("at", Float, nullable=False),
)

# Questions per user and scope ("chat", "inline"), for the per-minute limit shared by replicas.
questions_asked = Table(
    "questions_asked",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("scope", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("questions_asked_user", "user_id", "scope", "at"),
)

limit_notices = Table(
    "limit_notices",
    metadata,
    Column("user_id", BigInteger, primary_key=True),
    Column("scope", Text, primary_key=True),
    Column("at", Float, nullable=False),
)

# Replicas: who holds a job (broadcasting, feeds), who is alive, and the bot token's shared send pace.
leases = Table(
    "leases",
    metadata,
    Column("name", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires_at", Float, nullable=False),
)

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("replica", Text, primary_key=True),
    Column("beat_at", Float, nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)

send_budget = Table(
    "send_budget",
    metadata,
    Column("name", Text, primary_key=True),
    Column("next_at", Float, nullable=False),
)

# /add on a replica that follows a published archive: the process writing the archive adds these.
add_requests = Table(
    "add_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("requested_at", Float, nullable=False),
)

# Per-chat settings (None: the default). Minutes count from local midnight in the chat's time zone;
# digest_due_at is the Unix time of the chat's next digest (None: instant notices).
chat_settings = Table(
    "chat_settings",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("time_zone", Text),
    Column("quiet_start", Integer),
    Column("quiet_end", Integer),
    Column("summary_sentences", Integer),
    Column("digest", Text),  # "daily", "weekly" or None
    Column("digest_weekday", Integer),  # 0 = Monday
    Column("digest_minute", Integer),
    Column("digest_due_at", Float),
    Column("updated_at", Float, nullable=False),
    Column("language", Text),  # "en", "ru", "kk" (/language) or None: each person's Telegram language
    Column("reader_language", Text),  # the Telegram language of whoever last subscribed the chat
    Index("chat_settings_digest_due", "digest_due_at"),
)

excluded_topics = Table(
    "excluded_topics",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("topic", Text, primary_key=True),
    Column("created_at", Float, nullable=False),
)

# Articles announced to a chat that takes digests, waiting for its next one.
digest_items = Table(
    "digest_items",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("article_key", Text, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("queued_at", Float, nullable=False),
)

# Every answer given in a chat, so that its 👍/👎 (rating, reason) can be recorded against what was
# answered; unrated ones are deleted after a week.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Text, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("short_answer", Text),
    Column("refused", Boolean, nullable=False),
    Column("citations", Text, nullable=False),  # JSON
    Column("history", Text, nullable=False),  # JSON: the earlier turns the answer leaned on
    Column("revision", Text, nullable=False),  # the archive's revision it was answered from
    Column("created_at", Float, nullable=False),
    Column("rating", Text),  # "up", "down" or None
    Column("reason", Text),
    Column("rated_at", Float),
    Index("feedback_rated", "rated_at"),
    Index("feedback_created", "created_at"),
)

# /search queries, so that their page buttons (which hold only an id) work after a restart.
searches = Table(
    "searches",
    metadata,
    Column("id", Text, primary_key=True),
    Column("query", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

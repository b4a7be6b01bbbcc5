"""Finding articles not yet announced and queueing their notices for the matching chats."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.state.subscriptions import ALL_TOPICS, SubscriptionStore
from bot.subscriptions.topics import matches, without_excluded
from index.archive import Archive
from index.models import DocumentInfo

logger = logging.getLogger(__name__)

EmbedQuery = Callable[[str], np.ndarray]
ChatId = int | str  # a channel may be named by "@username"


def article_key(document: DocumentInfo) -> str:
    """An article's identity across updates: its URL, else its origin, else its content id."""
    return document.url or document.origin or document.doc_id


def channel_chat_id(channel: str) -> ChatId:
    """DOSSIER_CHANNEL_ID as Telegram takes it: a numeric id ("-100…") or a public "@name"."""
    channel = channel.strip()
    return int(channel) if channel.lstrip("-").isdigit() else channel


@dataclass(frozen=True)
class Announcement:
    document: DocumentInfo
    queued: int


class Announcer:
    """Learns what is new from the index and the bot database, never from memory."""

    def __init__(
        self,
        archive: Archive,
        store: SubscriptionStore,
        embed_query: EmbedQuery,
        channel_id: str | None = None,
    ):
        self.archive = archive
        self.store = store
        self.embed_query = embed_query
        self.channel_id = channel_id

    def run(self) -> list[Announcement]:
        """Queue notices for every article not announced before; the first run only records a baseline."""
        return self.run_after(0)[0]

    def run_after(self, position: int) -> tuple[list[Announcement], int]:
        """Like `run`, looking only at articles stored since `position` (from the archive); returns
        the position to pass next, so that a look costs the change, not the archive's size."""
        documents, position = self.archive.documents_after(position)
        keyed = [(article_key(d), d.doc_id) for d in documents]
        if not self.store.is_initialised():
            self.store.set_baseline(keyed)
            return [], position
        by_id = {d.doc_id: d for d in documents}
        topic_vectors: dict[str, np.ndarray] = {}  # each topic embedded once per run, not once per chat
        announcements = []
        for key, doc_id in reversed(self.store.unannounced(keyed)):  # oldest first
            document = by_id[doc_id]
            queued = self.store.announce(key, doc_id, self.recipients(document, topic_vectors))
            logger.info("announcing %s to %d chats", doc_id, queued)
            announcements.append(Announcement(document, queued))
        return announcements, position

    def recipients(
        self, document: DocumentInfo, topic_vectors: dict[str, np.ndarray] | None = None
    ) -> list[ChatId]:
        """Chats subscribed to everything, or to a topic this article matches, plus the channel."""
        topic_vectors = {} if topic_vectors is None else topic_vectors
        text = self.archive.document_text(document.doc_id)
        _, vectors = self.archive.sentences(document.doc_id)
        chats: dict[ChatId, None] = {}
        for subscription in self.store.subscriptions():
            topic = subscription.topic
            if subscription.chat_id in chats:
                continue
            if topic != ALL_TOPICS and topic not in topic_vectors:
                topic_vectors[topic] = self.embed_query(topic)
            if topic == ALL_TOPICS or matches(topic, topic_vectors[topic], document.title, text, vectors):
                chats[subscription.chat_id] = None
        if self.channel_id:
            chats[channel_chat_id(self.channel_id)] = None
        return without_excluded(
            list(chats),
            self.store.excluded_topics(),
            topic_vectors,
            self.embed_query,
            document.title,
            text,
            vectors,
        )

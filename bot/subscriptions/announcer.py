"""Finding articles not yet announced and queueing their notices for the matching chats."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.subscriptions.store import ALL_TOPICS, SubscriptionStore
from bot.subscriptions.topics import matches
from index.archive import Archive
from index.models import DocumentInfo

logger = logging.getLogger(__name__)


def article_key(document: DocumentInfo) -> str:
    """An article's identity across updates: its URL, else its origin, else its content id."""
    return document.url or document.origin or document.doc_id


@dataclass(frozen=True)
class Announcement:
    document: DocumentInfo
    queued: int


class Announcer:
    """Learns what is new from the index and the bot database, never from memory."""

    def __init__(self, archive: Archive, store: SubscriptionStore, channel_id: str | None = None):
        self.archive = archive
        self.store = store
        self.channel_id = channel_id

    def run(self) -> list[Announcement]:
        """Queue notices for every article not announced before; the first run only records a baseline."""
        documents = self.archive.documents()
        keyed = [(article_key(d), d.doc_id) for d in documents]
        if not self.store.is_initialised():
            self.store.set_baseline(keyed)
            return []
        by_id = {d.doc_id: d for d in documents}
        announcements = []
        for key, doc_id in reversed(self.store.unannounced(keyed)):  # oldest first
            document = by_id[doc_id]
            chats = self.recipients(document)
            queued = self.store.announce(key, doc_id, chats)
            logger.info("announcing %s to %d chats", doc_id, queued)
            announcements.append(Announcement(document, queued))
        return announcements

    def recipients(self, document: DocumentInfo) -> list[int]:
        """Chats subscribed to everything, or to a topic this article matches, plus the channel."""
        text = self.archive.store.document_text(document.doc_id)
        _, vectors = self.archive.store.sentences(document.doc_id)
        chats: list[int] = []
        for subscription in self.store.subscriptions():
            if subscription.chat_id in chats:
                continue
            topic = subscription.topic
            if topic == ALL_TOPICS or matches(
                topic, self.archive.embed_query(topic), document.title, text, vectors
            ):
                chats.append(subscription.chat_id)
        if self.channel_id:
            # A numeric id ("-100…") or a public @name, which Telegram accepts as a chat_id too.
            channel = self.channel_id.strip()
            chats.append(int(channel) if channel.lstrip("-").isdigit() else channel)  # type: ignore[arg-type]
        return chats

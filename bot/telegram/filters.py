"""The group rule: in a group the bot reads only messages addressed to it."""

from __future__ import annotations

from telegram import Message, MessageEntity
from telegram.ext.filters import MessageFilter


def mentions_bot(message: Message) -> bool:
    """The message names the bot: an @username mention, or a text mention of its account."""
    bot = message.get_bot()
    username = f"@{bot.username}".casefold()
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.MENTION and text.casefold() == username:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
    return False


def replies_to_bot(message: Message) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


class AddressedToBot(MessageFilter):
    """Mentions the bot or replies to one of its messages (/ask is handled as a command)."""

    def filter(self, message: Message) -> bool:
        return mentions_bot(message) or replies_to_bot(message)


class CommandForBot(MessageFilter):
    """A command spelled /command@this_bot: in groups, plain /command may be meant for another bot."""

    def filter(self, message: Message) -> bool:
        entities = message.parse_entities([MessageEntity.BOT_COMMAND])
        command = next((text for entity, text in entities.items() if entity.offset == 0), "")
        return command.casefold().endswith(f"@{message.get_bot().username}".casefold())


def without_mention(message: Message) -> str:
    """The message text with the bot's @mention taken out: what remains is the question."""
    text = message.text or ""
    username = f"@{message.get_bot().username}".casefold()
    mentions = [
        entity
        for entity, value in message.parse_entities([MessageEntity.MENTION]).items()
        if value.casefold() == username
    ]
    # Entities count UTF-16 units; cutting the UTF-16 encoding keeps the offsets exact.
    encoded = text.encode("utf-16-le")
    for entity in sorted(mentions, key=lambda e: e.offset, reverse=True):
        encoded = encoded[: entity.offset * 2] + encoded[(entity.offset + entity.length) * 2 :]
    return " ".join(encoded.decode("utf-16-le").split())


def command_argument(message: Message) -> str:
    """The text after a leading /command (newlines kept), for /ask."""
    text = message.text or ""
    entities = [e for e in message.parse_entities([MessageEntity.BOT_COMMAND]) if e.offset == 0]
    if not entities:
        return text.strip()
    encoded = text.encode("utf-16-le")
    return encoded[entities[0].length * 2 :].decode("utf-16-le").strip()

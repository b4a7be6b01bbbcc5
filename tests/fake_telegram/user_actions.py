"""What users do, turned into the updates Telegram would queue for the bot.

Functions over a World; TelegramState calls them under its lock and wakes waiting pollers.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from .updates import DEFAULT_USER_ID, client_entities
from .world import World


def write_message(
    world: World,
    chat_id: int,
    text: str | None,
    *,
    from_user_id: int | None,
    chat_type: str,
    reply_to_bot: bool,
    entities: list[dict[str, Any]] | None,
    edited: bool,
    fields: dict[str, Any],
) -> int:
    """A user writes (or edits) a message; returns its message_id."""
    chat = world.chats.get(chat_id) or world.add_chat(chat_id, chat_type, None, None)
    world.deleted.discard(chat_id)
    sender = _sender(chat, from_user_id)
    message: dict[str, Any] = {
        "message_id": fields.pop("message_id", None) or world.next_message_id(chat_id),
        "from": world.user(sender),
        "chat": dict(chat),
        "date": int(time.time()),
    }
    world.members.setdefault((chat_id, sender), "member")
    if text is not None:
        message["text"] = text
        found = client_entities(text) if entities is None else entities
        if found:
            message["entities"] = found
    if reply_to_bot:
        message["reply_to_message"] = _last_bot_message(world, chat_id)
    message.update(fields)
    if edited:
        message["edit_date"] = int(time.time())
    kind = "edited_message" if edited else "message"
    if chat["type"] == "channel":  # a post: signed by the channel, not by a user
        del message["from"]
        message["sender_chat"] = dict(chat)
        kind = "edited_channel_post" if edited else "channel_post"
    world.store(message, None, by_bot=False)
    world.enqueue({kind: copy.deepcopy(message)})
    return int(message["message_id"])


def press_button(world: World, chat_id: int, message_id: int, data: str, from_user_id: int | None) -> str:
    """A user presses an inline button under a message; returns the callback query id."""
    stored = world.messages.get((chat_id, message_id))
    if stored is None:
        raise ValueError(f"no message {message_id} in chat {chat_id} to attach a callback query to")
    query_id = world.next_query_id()
    query = {
        "id": query_id,
        "from": world.user(_sender(stored.message["chat"], from_user_id)),
        "message": copy.deepcopy(stored.message),
        "chat_instance": str(abs(chat_id) * 7919),  # opaque and stable per chat, as in Telegram
        "data": data,
    }
    world.enqueue({"callback_query": query})
    return query_id


def type_inline_query(world: World, query: str, from_user_id: int) -> str:
    """A user types "@bot query" in some chat; returns the inline query id."""
    query_id = world.next_query_id()
    inline = {
        "id": query_id,
        "from": world.user(from_user_id),
        "query": query,
        "offset": "",
        "chat_type": "sender",
    }
    world.enqueue({"inline_query": inline})
    return query_id


def _sender(chat: dict[str, Any], from_user_id: int | None) -> int:
    if from_user_id is not None:
        return from_user_id
    return int(chat["id"]) if chat["type"] == "private" else DEFAULT_USER_ID


def _last_bot_message(world: World, chat_id: int) -> dict[str, Any]:
    sent = world.sent_messages(chat_id)
    if not sent:
        raise ValueError(f"reply_to_bot: the bot has sent nothing to chat {chat_id} yet")
    return {k: v for k, v in sent[-1].items() if k not in ("_params", "reply_to_message")}

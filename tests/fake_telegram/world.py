"""What the fake Telegram knows: chats, members, messages, pending updates, webhook and commands.

Plain data with no locking: TelegramState owns one World and only touches it under its lock.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from .checks import ApiError, bad_request, too_many_requests
from .rate_limits import FloodControl
from .telegram_html import ParsedText
from .updates import chat_dict, update_kind, user_dict

# Telegram leaves these out unless a bot asks for them by name in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FORBIDDEN_BY_TYPE = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}


@dataclass
class StoredMessage:
    message: dict[str, Any]
    params: dict[str, Any] | None  # the bot's last send/edit parameters; None for users' messages
    by_bot: bool


class World:
    def __init__(self, bot_user: dict[str, Any], *, lenient: bool, flood: FloodControl | None):
        self.bot_user = bot_user
        # Lenient: any chat, message or query id a test invents is taken as real (RecordingRequest).
        self.lenient = lenient
        self.flood = flood
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.known_users: set[int] = set()
        self.languages: dict[int, str | None] = {}  # users' app languages; "en" unless a test says
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.sent: list[tuple[int, int]] = []
        self.blocked: set[int] = set()
        self.deleted: set[int] = set()
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self.webhook_error: tuple[int, str] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.answered_callbacks: list[dict[str, Any]] = []
        self.inline_answers: list[dict[str, Any]] = []
        self.open_queries: set[str] = set()
        self._next_update_id = 10_000
        self._next_query_id = 4_000_000_000_000_000_000
        self._next_message_ids: dict[int, int] = {}

    # Chats and users

    def add_chat(
        self, chat_id: int, chat_type: str, title: str | None, username: str | None
    ) -> dict[str, Any]:
        self.chats[chat_id] = chat_dict(chat_id, chat_type, title, username)
        self.deleted.discard(chat_id)
        return self.chats[chat_id]

    def resolve_chat(self, chat_id: Any) -> dict[str, Any]:
        """The chat a chat_id parameter names (an id or "@username"), as Telegram resolves it."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            for chat in self.chats.values():
                if str(chat.get("username", "")).lower() == name and chat["id"] not in self.deleted:
                    return chat
            if self.lenient:
                return self.add_chat(-1_000_000_000_000 - len(self.chats), "channel", None, chat_id[1:])
        elif isinstance(chat_id, int) and chat_id not in self.deleted:
            if chat_id in self.chats:
                return self.chats[chat_id]
            if self.lenient:
                return self.add_chat(chat_id, "private" if chat_id > 0 else "supergroup", None, None)
        raise bad_request("chat not found")

    def check_can_write(self, chat: dict[str, Any]) -> None:
        if chat["id"] in self.blocked:
            raise ApiError(403, FORBIDDEN_BY_TYPE.get(chat["type"], FORBIDDEN_BY_TYPE["private"]))

    def check_flood(self, chat: dict[str, Any], paid: bool = False) -> None:
        if self.flood is not None:
            wait = self.flood.retry_after(chat["id"], chat["type"], time.monotonic(), paid)
            if wait is not None:
                raise too_many_requests(wait)

    def user(self, user_id: int) -> dict[str, Any]:
        self.known_users.add(user_id)
        return user_dict(user_id, self.languages.get(user_id, "en"))

    def member_status(self, chat: dict[str, Any], user_id: int) -> str:
        if (chat["id"], user_id) in self.members:
            return self.members[(chat["id"], user_id)]
        if user_id == self.bot_user["id"] or (chat["type"] == "private" and user_id == chat["id"]):
            return "member"
        if user_id in self.known_users:
            return "left"
        if self.lenient:
            return "member"
        raise bad_request("user not found")

    # Messages

    def next_message_id(self, chat_id: int) -> int:
        self._next_message_ids[chat_id] = self._next_message_ids.get(chat_id, 0) + 1
        return self._next_message_ids[chat_id]

    def store(self, message: dict[str, Any], params: dict[str, Any] | None, by_bot: bool) -> None:
        key = (message["chat"]["id"], message["message_id"])
        self._next_message_ids[key[0]] = max(self._next_message_ids.get(key[0], 0), key[1])
        if by_bot and key not in self.messages:
            self.sent.append(key)
        self.messages[key] = StoredMessage(message, params, by_bot)

    def bot_message(
        self,
        chat: dict[str, Any],
        parsed: ParsedText,
        params: dict[str, Any],
        reply_to: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Stores and returns the Message Telegram creates for a sendMessage."""
        message: dict[str, Any] = {"message_id": self.next_message_id(chat["id"]), "date": int(time.time())}
        if chat["type"] == "channel":
            message["sender_chat"] = dict(chat)  # channel posts carry the channel, not the bot, as sender
        else:
            message["from"] = self.bot_sender()
        message["chat"] = dict(chat)
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        _set_content(message, parsed, params.get("reply_markup"))
        self.store(message, params, by_bot=True)
        return message

    def bot_sender(self) -> dict[str, Any]:
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    def reply_target(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters") or {}
        if not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        stored = self.messages.get((chat["id"], message_id))
        if stored is not None:
            return stored.message
        if (
            self.lenient
            or reply.get("allow_sending_without_reply")
            or params.get("allow_sending_without_reply")
        ):
            return None
        raise bad_request("message to be replied not found")

    def editable(self, chat: dict[str, Any], message_id: Any) -> StoredMessage:
        stored = self.messages.get((chat["id"], message_id))
        if stored is None and self.lenient:
            stub = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": dict(chat),
                "from": self.bot_sender(),
                "text": "",
            }
            self.store(stub, {}, by_bot=True)
            stored = self.messages[(chat["id"], message_id)]
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.by_bot:
            raise bad_request("message can't be edited")
        return stored

    def edit(
        self, stored: StoredMessage, parsed: ParsedText | None, markup: Any, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Applies an edit; editing without reply_markup removes the inline keyboard, as in Telegram."""
        before = _content(stored.message)
        edited = {**stored.message}
        for key in ("reply_markup",) if parsed is None else ("text", "entities", "reply_markup"):
            edited.pop(key, None)
        if parsed is None:
            parsed = ParsedText(stored.message.get("text", ""), stored.message.get("entities", []))
        _set_content(edited, parsed, markup)
        if _content(edited) == before:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        edited["edit_date"] = int(time.time())
        stored.message = edited
        stored.params = params
        return edited

    def sent_messages(self, chat_id: int | None) -> list[dict[str, Any]]:
        return [
            {**self.messages[key].message, "_params": self.messages[key].params}
            for key in self.sent
            if chat_id is None or key[0] == chat_id
        ]

    # Updates

    def enqueue(self, update: dict[str, Any]) -> int:
        self._next_update_id += 1
        update["update_id"] = self._next_update_id
        self.updates.append(update)
        return self._next_update_id

    def next_query_id(self) -> str:
        self._next_query_id += 1
        self.open_queries.add(str(self._next_query_id))
        return str(self._next_query_id)

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: confirms (forgets) earlier updates; a negative one keeps only the last -offset."""
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def deliverable(self, limit: int) -> list[dict[str, Any]]:
        """The first `limit` pending updates the bot asked for; others are dropped, as Telegram does."""
        wanted = set(self.allowed_updates)
        self.updates = [
            u
            for u in self.updates
            if (update_kind(u) in wanted) or (not wanted and update_kind(u) not in OPT_IN_UPDATES)
        ]
        return self.updates[:limit]

    def commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _set_content(message: dict[str, Any], parsed: ParsedText, markup: Any) -> None:
    message["text"] = parsed.text
    if parsed.entities:
        message["entities"] = parsed.entities
    # Telegram echoes only inline keyboards back in the Message; reply keyboards live on the client.
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}


def _content(message: dict[str, Any]) -> tuple[Any, ...]:
    return message.get("text"), message.get("entities"), message.get("reply_markup")

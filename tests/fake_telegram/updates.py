"""Builders for the JSON objects Telegram sends: users, chats, and the entities a client adds."""

from __future__ import annotations

import re
from typing import Any

from .telegram_html import utf16_len

DEFAULT_USER_ID = 700_000_001  # the sender of group messages and inline queries when a test names none


def bot_user_dict(token: str, username: str) -> dict[str, Any]:
    """getMe's answer; the id is the token's numeric prefix, as with real tokens."""
    return {
        "id": int(token.split(":", 1)[0]),
        "is_bot": True,
        "first_name": "Dossier Test",
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": True,  # privacy mode is not simulated: bots see all group messages
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def user_dict(user_id: int, language_code: str | None = "en") -> dict[str, Any]:
    """A user as updates carry them; `language_code` is their app's language (an IETF tag), left out
    when None, as Telegram leaves it out when it does not know it."""
    user: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": f"User{user_id}",
        "username": f"user{user_id}",
    }
    if language_code is not None:
        user["language_code"] = language_code
    return user


def chat_dict(chat_id: int, chat_type: str, title: str | None, username: str | None) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = f"User{chat_id}"
    else:
        chat["title"] = title or f"{chat_type.title()} {chat_id}"
    if username:
        chat["username"] = username
    return chat


def chat_full_info(chat: dict[str, Any]) -> dict[str, Any]:
    """getChat's answer: the chat plus the fields PTB's ChatFullInfo requires."""
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def chat_member(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember of the given status with the fields that status requires."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            dict.fromkeys(
                (
                    "can_be_edited",
                    "is_anonymous",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ),
                False,
            )
        )
        member.update(
            dict.fromkeys(
                (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_change_info",
                    "can_invite_users",
                ),
                True,
            )
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


def client_entities(text: str) -> list[dict[str, Any]]:
    """The entities a Telegram client attaches: a leading /command (with its @bot suffix) and @mentions."""
    entities: list[dict[str, Any]] = []
    command = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for mention in re.finditer(r"(?<![\w/])@[A-Za-z0-9_]{3,32}", text):
        if command and mention.start() < command.end():
            continue
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention.group()),
            }
        )
    return entities


def update_kind(update: dict[str, Any]) -> str:
    """'message', 'callback_query', ...: the one field besides update_id."""
    return next((key for key in update if key != "update_id"), "")

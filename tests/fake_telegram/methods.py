"""The Bot API methods the fake answers, each checked in roughly the order Telegram checks it.

Every function takes the World and the already-decoded parameters and returns the JSON `result`, or
raises ApiError. getUpdates is not here: it blocks, so TelegramState implements it around the lock.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .checks import (
    bad_request,
    check_chat_action,
    check_commands,
    check_inline_results,
    check_language_code,
    check_length,
    check_reply_markup,
    check_secret_token,
    render_text,
    require,
)
from .updates import chat_full_info, chat_member
from .world import World

Method = Callable[[World, dict[str, Any]], Any]
QUERY_EXPIRED = "query is too old and response timeout expired or query ID is invalid"


def get_me(world: World, params: dict[str, Any]) -> Any:
    return world.bot_user


def send_message(world: World, params: dict[str, Any]) -> Any:
    parsed = render_text(params)
    check_reply_markup(params.get("reply_markup"))
    chat = world.resolve_chat(require(params, "chat_id"))
    world.check_can_write(chat)
    check_length(parsed)
    reply_to = world.reply_target(chat, params)
    world.check_flood(chat, paid=bool(params.get("allow_paid_broadcast")))
    return world.bot_message(chat, parsed, params, reply_to)


def send_chat_action(world: World, params: dict[str, Any]) -> Any:
    check_chat_action(params.get("action"))
    world.check_can_write(world.resolve_chat(require(params, "chat_id")))
    return True


def edit_message_text(world: World, params: dict[str, Any]) -> Any:
    parsed = render_text(params)
    check_reply_markup(params.get("reply_markup"))
    if params.get("inline_message_id"):
        check_length(parsed)
        return True  # messages sent via inline mode are not the bot's to read back
    chat = world.resolve_chat(require(params, "chat_id"))
    stored = world.editable(chat, require(params, "message_id"))
    check_length(parsed)
    return world.edit(stored, parsed, params.get("reply_markup"), params)


def edit_message_reply_markup(world: World, params: dict[str, Any]) -> Any:
    check_reply_markup(params.get("reply_markup"))
    if params.get("inline_message_id"):
        return True
    chat = world.resolve_chat(require(params, "chat_id"))
    stored = world.editable(chat, require(params, "message_id"))
    return world.edit(stored, None, params.get("reply_markup"), params)


def answer_callback_query(world: World, params: dict[str, Any]) -> Any:
    _close_query(world, str(require(params, "callback_query_id")))
    if len(str(params.get("text") or "")) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    world.answered_callbacks.append(dict(params))
    return True


def answer_inline_query(world: World, params: dict[str, Any]) -> Any:
    query_id = str(require(params, "inline_query_id"))
    check_inline_results(params.get("results"))
    _close_query(world, query_id)
    world.inline_answers.append(dict(params))
    return True


def _close_query(world: World, query_id: str) -> None:
    # Telegram accepts one answer per query; a second one, or an invented id, gets this error.
    if query_id not in world.open_queries and not world.lenient:
        raise bad_request(QUERY_EXPIRED)
    world.open_queries.discard(query_id)


def set_my_commands(world: World, params: dict[str, Any]) -> Any:
    check_language_code(params.get("language_code"))
    world.commands[world.commands_key(params)] = check_commands(params.get("commands"))
    return True


def get_my_commands(world: World, params: dict[str, Any]) -> Any:
    return world.commands.get(world.commands_key(params), [])


def delete_my_commands(world: World, params: dict[str, Any]) -> Any:
    world.commands.pop(world.commands_key(params), None)
    return True


def set_webhook(world: World, params: dict[str, Any]) -> Any:
    url = str(params.get("url") or "")
    if not url:
        return delete_webhook(world, params)  # Telegram: an empty url removes the webhook
    _check_webhook_url(url)
    check_secret_token(params.get("secret_token"))
    if params.get("drop_pending_updates"):
        world.updates.clear()
    if params.get("allowed_updates") is not None:
        world.allowed_updates = list(params["allowed_updates"])
    world.webhook = {
        "url": url,
        "secret_token": params.get("secret_token"),
        "max_connections": params.get("max_connections") or 40,
        "allowed_updates": params.get("allowed_updates"),
        "ip_address": params.get("ip_address"),
    }
    world.webhook_error = None
    return True


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return  # the fake also takes plain http on loopback, so a local test can receive deliveries
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if parts.port not in (None, 80, 88, 443, 8443):
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def delete_webhook(world: World, params: dict[str, Any]) -> Any:
    world.webhook = None
    world.webhook_error = None
    if params.get("drop_pending_updates"):
        world.updates.clear()
    return True


def get_webhook_info(world: World, params: dict[str, Any]) -> Any:
    info: dict[str, Any] = {
        "url": world.webhook["url"] if world.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if world.webhook:
        info["max_connections"] = world.webhook["max_connections"]
        if world.webhook["allowed_updates"] is not None:
            info["allowed_updates"] = world.webhook["allowed_updates"]
    if world.webhook_error:
        info["last_error_date"], info["last_error_message"] = world.webhook_error
    return info


def get_chat(world: World, params: dict[str, Any]) -> Any:
    return chat_full_info(world.resolve_chat(require(params, "chat_id")))


def get_chat_member(world: World, params: dict[str, Any]) -> Any:
    chat = world.resolve_chat(require(params, "chat_id"))
    user_id = require(params, "user_id")
    status = world.member_status(chat, user_id)
    user = world.bot_sender() if user_id == world.bot_user["id"] else world.user(user_id)
    return chat_member(user, status)


def accept(world: World, params: dict[str, Any]) -> Any:
    return True


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "sendMessage": send_message,
    "sendChatAction": send_chat_action,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "answerCallbackQuery": answer_callback_query,
    "answerInlineQuery": answer_inline_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "close": accept,
    "logOut": accept,
}
# Telegram matches method names case-insensitively.
CANONICAL_NAMES = {name.lower(): name for name in [*METHODS, "getUpdates"]}

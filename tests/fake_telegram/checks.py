"""What Telegram checks before it accepts a request, shared by the fake server and RecordingRequest.

Error descriptions are Telegram's own where known, so that code matching on them (and PTB, which
maps status codes to exception classes) sees what production would send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .telegram_html import EntityParseError, ParsedText, parse_html, utf16_len

# The formatter would give every name below its own line; these are tables, kept compact.
# fmt: off
MAX_TEXT_UTF16 = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_KEYBOARD_BUTTONS = 100
BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
    "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE_CODE = re.compile(r"[a-z]{2}")  # setMyCommands: "a two-letter ISO 639-1 language code"
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

# Form and multipart posts carry every value as a string: PTB JSON-encodes objects and arrays,
# writes numbers in decimal and booleans as true/false. These tables say how to read them back.
JSON_FIELDS = frozenset({
    "reply_markup", "entities", "caption_entities", "commands", "scope", "results", "allowed_updates",
    "reply_parameters", "link_preview_options", "button", "media", "explanation_entities", "options",
})
INT_FIELDS = frozenset({
    "message_id", "user_id", "offset", "limit", "timeout", "cache_time", "from_chat_id", "message_thread_id",
    "max_connections", "reply_to_message_id", "until_date",
})
BOOL_FIELDS = frozenset({
    "drop_pending_updates", "show_alert", "is_personal", "disable_notification", "protect_content",
    "allow_sending_without_reply", "disable_web_page_preview", "only_if_banned",
})
# fmt: on


class ApiError(Exception):
    """A request Telegram refuses: becomes {"ok": false, "error_code": status, "description": ...}."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def telegram_error(status: int, description: str | None = None, retry_after: int | None = None) -> ApiError:
    """An error as Telegram words it by default for this status; a 429 always carries retry_after."""
    if status == 429:
        retry_after = retry_after or 1
        return ApiError(429, description or f"Too Many Requests: retry after {retry_after}", retry_after)
    return ApiError(status, description or STATUS_TEXT.get(status, "Error"), retry_after)


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return telegram_error(429, retry_after=retry_after)


def coerce_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Reads form-encoded strings back into the JSON types Telegram would see."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            value = _coerce_string(name, value)
        params[name] = value
    return params


def _coerce_string(name: str, value: str) -> Any:
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name.replace('_', ' ')} JSON object") from None
    if name in INT_FIELDS or (name == "chat_id" and re.fullmatch(r"-?\d+", value)):
        try:
            # A long-poll timeout may arrive as "1.0" from a timedelta; Telegram truncates it.
            return int(float(value)) if name == "timeout" else int(value)
        except ValueError:
            raise bad_request(f'field "{name}" must be of type Integer') from None
    if name in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def render_text(params: Mapping[str, Any], text_field: str = "text") -> ParsedText:
    """The text Telegram would show for a send/edit request, after parse_mode or entities."""
    markup = params.get(text_field)
    if not isinstance(markup, str) or not markup.strip():
        raise bad_request("message text is empty")
    parse_mode = params.get("parse_mode")
    entities = params.get("entities")
    if entities is not None:
        # Explicit entities win over parse_mode, as in Telegram.
        if not isinstance(entities, list) or not all(isinstance(e, dict) and "type" in e for e in entities):
            raise bad_request("can't parse entities JSON object")
        parsed = ParsedText(markup.strip(), [dict(e) for e in entities])
    elif parse_mode is None or parse_mode == "":
        parsed = ParsedText(markup.strip(), [])
    elif str(parse_mode).lower() == "html":
        try:
            parsed = parse_html(markup)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif str(parse_mode).lower() in ("markdown", "markdownv2"):
        # Not validated: Dossier renders HTML. Kept as sent, so a test still sees the markup.
        parsed = ParsedText(markup.strip(), [])
    else:
        raise bad_request("unsupported parse_mode")
    if not parsed.text:
        raise bad_request("message text is empty")
    return parsed


def check_length(parsed: ParsedText) -> None:
    if utf16_len(parsed.text) > MAX_TEXT_UTF16:
        raise bad_request("message is too long")


def check_reply_markup(markup: Any) -> None:
    """Inline keyboards are checked button by button; other keyboards only for their shape."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")


def check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    buttons = [button for row in rows for button in row]
    if len(buttons) > MAX_KEYBOARD_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    for button in buttons:
        _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Can't find field \"text\"")
    actions = [name for name in BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        # Telegram silently uses the first field it knows; a button with two actions is a bug here.
        raise bad_request(f"can't parse inline keyboard button: more than one action field: {actions}")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and (not isinstance(button["url"], str) or not button["url"].strip()):
        raise bad_request("BUTTON_URL_INVALID")


def check_inline_results(results: Any) -> None:
    if not isinstance(results, list):
        raise bad_request("can't parse results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or "type" not in result:
            raise bad_request("can't parse InlineQueryResult: Can't find field \"type\"")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        _check_inline_result(result)


def _check_inline_result(result: dict[str, Any]) -> None:
    if result["type"] == "article":
        for name in ("title", "input_message_content"):
            if name not in result:
                raise bad_request(f"can't parse InlineQueryResult: Can't find field \"{name}\"")
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        check_length(render_text(content, "message_text"))
    check_reply_markup(result.get("reply_markup"))


def check_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": c["command"], "description": c["description"]} for c in commands]


def check_language_code(code: Any) -> None:
    if code not in (None, "") and not (isinstance(code, str) and LANGUAGE_CODE.fullmatch(code)):
        raise bad_request("language code is invalid")


def check_chat_action(action: Any) -> None:
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")


def check_secret_token(secret: Any) -> None:
    if secret is not None and not SECRET_TOKEN.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")


def require(params: Mapping[str, Any], name: str) -> Any:
    if params.get(name) in (None, ""):
        raise bad_request(f"{name} is empty")
    return params[name]

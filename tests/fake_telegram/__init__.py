"""Test doubles at Telegram's network boundary: a fake Bot API server and an in-process request."""

from .bot_api_server import FakeBotApi
from .checks import ApiError
from .rate_limits import RateLimits
from .recording_request import RecordingRequest
from .telegram_html import EntityParseError, ParsedText, parse_html, utf16_len
from .telegram_state import Call, TelegramState

__all__ = [
    "ApiError",
    "Call",
    "EntityParseError",
    "FakeBotApi",
    "ParsedText",
    "RateLimits",
    "RecordingRequest",
    "TelegramState",
    "parse_html",
    "utf16_len",
]

"""The callback_data of Dossier's inline buttons: short, self-contained, and checked on the way back.

Buttons carry everything they need (a document id and a sentence, or a page number), or a short id of
what the bot's database keeps for them (an answer to rate, a search to page through), so they keep
working after the bot restarts and on any replica. Telegram allows 1-64 bytes.
"""

from __future__ import annotations

import re

QUOTE_PATTERN = r"^q:[0-9a-f]{8,32}:\d{1,6}$"
PAGE_PATTERN = r"^p:\d{1,6}$"


def quote(doc_id: str, sentence: int) -> str:
    return f"q:{doc_id}:{sentence}"


def parse_quote(data: str) -> tuple[str, int] | None:
    if not re.fullmatch(QUOTE_PATTERN, data):
        return None
    _, doc_id, sentence = data.split(":")
    return doc_id, int(sentence)


def page(number: int) -> str:
    return f"p:{number}"


def parse_page(data: str) -> int | None:
    return int(data[2:]) if re.fullmatch(PAGE_PATTERN, data) else None


# 👍/👎 under an answer, and the reasons a 👎 may give: f:<feedback id>:u|d|r<reason>
FEEDBACK_PATTERN = r"^f:[A-Za-z0-9_-]{8}:(u|d|r[0-3])$"


def feedback(feedback_id: str, choice: str) -> str:
    return f"f:{feedback_id}:{choice}"


def parse_feedback(data: str) -> tuple[str, str] | None:
    if not re.fullmatch(FEEDBACK_PATTERN, data):
        return None
    _, feedback_id, choice = data.split(":")
    return feedback_id, choice


# A page of /search results: sp:<search id>:<page>
SEARCH_PATTERN = r"^sp:[A-Za-z0-9_-]{8}:\d{1,3}$"


def search_page(search_id: str, page: int) -> str:
    return f"sp:{search_id}:{page}"


def parse_search_page(data: str) -> tuple[str, int] | None:
    if not re.fullmatch(SEARCH_PATTERN, data):
        return None
    _, search_id, page = data.split(":")
    return search_id, int(page)


# /settings buttons: c:d:<i|d|w> delivery, c:q:<preset> quiet hours, c:s:<1-3> summary sentences,
# c:x:<topic hash> include an excluded topic again
SETTINGS_PATTERN = r"^c:(d:[idw]|q:\d|s:[1-3]|x:[0-9a-f]{8})$"


def setting(action: str, value: str) -> str:
    return f"c:{action}:{value}"


def parse_setting(data: str) -> tuple[str, str] | None:
    if not re.fullmatch(SETTINGS_PATTERN, data):
        return None
    _, action, value = data.split(":")
    return action, value


# /language buttons: l:<code> chooses a language, l:auto goes back to each reader's Telegram language
LANGUAGE_PATTERN = r"^l:([a-z]{2}|auto)$"
AUTOMATIC = "auto"


def language(code: str) -> str:
    return f"l:{code}"


def parse_language(data: str) -> str | None:
    return data[2:] if re.fullmatch(LANGUAGE_PATTERN, data) else None

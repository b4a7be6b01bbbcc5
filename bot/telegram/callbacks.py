"""The callback_data of Dossier's inline buttons: short, self-contained, and checked on the way back.

Buttons carry everything they need (a document id and a sentence, or a page number), so they keep
working after the bot restarts. Telegram allows 1-64 bytes.
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

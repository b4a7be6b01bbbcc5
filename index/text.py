"""Text from outside that Python holds but cannot encode."""

from __future__ import annotations


def encodable(text: str) -> str:
    """The text with any lone surrogate (a forged update's "\\ud800", a file name in another
    encoding) replaced by U+FFFD, so that it can be encoded, tokenized, stored and sent."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text

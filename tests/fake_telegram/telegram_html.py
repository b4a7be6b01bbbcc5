"""Telegram's parse_mode=HTML, reimplemented to fail where Telegram fails.

The scanner follows tdlib's `parse_html` (td/telegram/MessageEntity.cpp), which is what the Bot API
server runs: tags are matched by name only, unknown tags and a bare `<` are errors reported with a
UTF-8 byte offset, attributes other than the few Telegram reads are ignored, and entity offsets
count UTF-16 code units. One deliberate difference: Telegram shows an `&` that starts no valid
entity literally, but text that reaches Telegram unescaped is a bug waiting for its first `<`, so by
default this parser rejects it too (`strict_ampersand=False` restores Telegram's leniency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Every tag Telegram supports, and the entity each becomes.
ENTITY_TYPES = {
    **dict.fromkeys(("b", "strong"), "bold"),
    **dict.fromkeys(("i", "em"), "italic"),
    **dict.fromkeys(("u", "ins"), "underline"),
    **dict.fromkeys(("s", "strike", "del"), "strikethrough"),
    **dict.fromkeys(("span", "tg-spoiler"), "spoiler"),
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
SPACES = " \t\r\n\v\0"


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is what follows "can't parse entities: "."""


@dataclass(frozen=True)
class ParsedText:
    """Text as Telegram stores it: markup removed, formatting as MessageEntity dicts."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output where the tag's content starts
    start: int  # the same position counted in characters, to slice the output


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units, so an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _is_alpha(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """The character an entity at `pos` stands for and the position after it, or None."""
    end = pos + 1
    if text[end : end + 1] == "#":
        end += 1
        hexadecimal = text[end : end + 1] == "x"
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(text) and text[end] in digits:
            end += 1
        if end == start or end - pos >= 10:
            return None
        code = int(text[start:end], 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < len(text) and _is_alpha(text[end]):
            end += 1
        name = text[pos + 1 : end]
        if name not in NAMED_ENTITIES:
            return None
        char = NAMED_ENTITIES[name]
    # Like tdlib, the closing ';' is optional.
    return char, end + 1 if text[end : end + 1] == ";" else end


class _Parser:
    """One pass over the markup; state lives here so each step stays a short method."""

    def __init__(self, markup: str, strict_ampersand: bool):
        self.src = markup + "\0"  # tdlib scans a NUL-terminated string; the sentinel keeps that logic
        self.strict_ampersand = strict_ampersand
        self.pos = 0
        self.out: list[str] = []
        self.offset = 0
        self.chars = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, pos: int) -> int:
        return len(self.src[:pos].encode("utf-8"))

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.chars += len(chars)
        self.offset += utf16_len(chars)

    def run(self) -> ParsedText:
        end = len(self.src) - 1
        while self.pos < end:
            char = self.src[self.pos]
            if char == "&":
                self.ampersand()
            elif char == "<":
                self.tag()
            else:
                self.emit(char)
                self.pos += 1
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        return _trim("".join(self.out), self.entities)

    def ampersand(self) -> None:
        decoded = _decode_entity(self.src, self.pos)
        if decoded is not None:
            self.emit(decoded[0])
            self.pos = decoded[1]
            return
        if self.strict_ampersand:
            raise EntityParseError(
                f"Unescaped '&' at byte offset {self.byte_offset(self.pos)}: write &amp; (Telegram shows a "
                "lone '&' as is, but text that is not escaped fails at its first '<')"
            )
        self.emit("&")
        self.pos += 1

    def tag(self) -> None:
        begin = self.pos
        self.pos += 1
        if self.src[self.pos] == "/":
            self.end_tag(begin)
        else:
            self.start_tag(begin)
        self.pos += 1  # past '>'

    def start_tag(self, begin: int) -> None:
        while self.src[self.pos] not in SPACES and self.src[self.pos] != ">":
            self.pos += 1
        if self.src[self.pos] == "\0":
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 1 : self.pos].lower()
        if name not in ENTITY_TYPES:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        argument = self.attributes(name, begin)
        if name == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        if name == "tg-emoji" and not (argument.isdigit() and int(argument) > 0):
            raise EntityParseError("Invalid custom emoji identifier specified")
        self.stack.append(_OpenTag(name, argument, self.offset, self.chars))

    def attributes(self, tag: str, begin: int) -> str:
        """Reads attributes up to '>' and returns the one Telegram cares about for this tag."""
        argument = ""
        src = self.src
        while src[self.pos] != ">":
            while src[self.pos] != "\0" and src[self.pos] in SPACES:
                self.pos += 1
            if src[self.pos] == ">":
                break
            if src[self.pos] == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            start = self.pos
            while src[self.pos] not in SPACES and src[self.pos] not in "=>":
                self.pos += 1
            attribute = src[start : self.pos]
            if not attribute:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}'
                )
            while src[self.pos] != "\0" and src[self.pos] in SPACES:
                self.pos += 1
            if src[self.pos] != "=":
                if tag == "blockquote" and attribute == "expandable":
                    argument = "expandable"
                    continue
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            self.pos += 1
            while src[self.pos] != "\0" and src[self.pos] in SPACES:
                self.pos += 1
            value = self.attribute_value(begin)
            argument = _tag_argument(tag, attribute, value, argument)
        return argument

    def attribute_value(self, begin: int) -> str:
        src = self.src
        if src[self.pos] == "\0":
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        if src[self.pos] not in "'\"":
            # An unquoted value is an HTML name token: letters, digits, periods and hyphens.
            start = self.pos
            while src[self.pos].isascii() and (src[self.pos].isalnum() or src[self.pos] in ".-"):
                self.pos += 1
            if src[self.pos] not in SPACES and src[self.pos] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {self.byte_offset(start)}"
                )
            return src[start : self.pos].lower()
        quote = src[self.pos]
        self.pos += 1
        value: list[str] = []
        while src[self.pos] not in (quote, "\0"):
            decoded = _decode_entity(src, self.pos) if src[self.pos] == "&" else None
            if decoded is not None:
                value.append(decoded[0])
                self.pos = decoded[1]
            else:
                value.append(src[self.pos])
                self.pos += 1
        if src[self.pos] == "\0":
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        self.pos += 1
        return "".join(value)

    def end_tag(self, begin: int) -> None:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        while self.src[self.pos] not in SPACES and self.src[self.pos] != ">":
            self.pos += 1
        end_name = self.src[begin + 2 : self.pos].lower()
        while self.src[self.pos] != "\0" and self.src[self.pos] in SPACES:
            self.pos += 1
        if self.src[self.pos] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        open_tag = self.stack.pop()
        if end_name and end_name != open_tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "</{open_tag.name}>", '
                f'found "</{end_name}>"'
            )
        self.close_entity(open_tag)

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.offset - tag.offset
        if length == 0:
            return  # Telegram silently drops empty entities
        entity: dict[str, Any] = {"type": ENTITY_TYPES[tag.name], "offset": tag.offset, "length": length}
        if tag.name == "a":
            entity["url"] = tag.argument or "".join(self.out)[tag.start :]
        elif tag.name == "code" and tag.argument:
            entity["language"] = tag.argument
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        elif tag.name == "blockquote" and tag.argument == "expandable":
            entity["type"] = "expandable_blockquote"
        if tag.name == "pre" and self.entities:
            inner = self.entities[-1]
            # <pre><code class="language-x"> is how HTML names a pre block's language.
            if inner["type"] == "code" and (inner["offset"], inner["length"]) == (tag.offset, length):
                self.entities.pop()
                if "language" in inner:
                    entity["language"] = inner["language"]
        self.entities.append(entity)


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current  # Telegram ignores every other attribute


def _trim(text: str, entities: list[dict[str, Any]]) -> ParsedText:
    """Strips surrounding whitespace as Telegram does, keeping entities on the same characters."""
    stripped = text.strip()
    if not stripped:
        return ParsedText("", [])
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, kept)


def parse_html(markup: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parses Telegram HTML into plain text and entities.

    Raises:
        EntityParseError: where Telegram answers "Bad Request: can't parse entities: ...".
    """
    return _Parser(markup, strict_ampersand).run()

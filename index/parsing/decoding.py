"""Bytes to text in whatever encoding an article came in: UTF-8, UTF-16, windows-1251, latin-1, ….

In the order browsers follow (WHATWG's encoding sniffing): a byte-order mark; the charset the server
declared; for HTML, the charset its <meta> declares; then UTF-8; then a guess from the bytes
themselves with charset-normalizer (already installed with requests; statistical, pure Python, no
model). Kazakh and Russian sites still serve windows-1251, and Windows editors save "Unicode" text
as UTF-16, so none of them may be mistaken for binary files.
"""

from __future__ import annotations

import codecs
import re

from index.errors import UnsupportedDocument

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]{1,40})", re.I)
_XML_ENCODING = re.compile(rb"^<\?xml[^>]{0,100}?encoding\s*=\s*[\"']([A-Za-z0-9_.-]{1,40})", re.I)
# WHATWG decodes these labels as windows-1252, a superset that browsers have always used instead.
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"}
# A guess is only as good as the text is long; among guesses about as likely as the best one, the
# commonest legacy encoding wins: charset-normalizer cannot tell windows-1250 from windows-1252 in a
# short French text ("à" is "ŕ" in 1250), and 1252 is what undeclared Latin text almost always is.
_CLOSE_CHAOS = 0.05


def declared_charset(data: bytes, html: bool) -> str | None:
    """The charset a document declares about itself (HTML <meta>, or an XML declaration)."""
    head = data[:4096]
    match = _XML_ENCODING.match(head.lstrip()) or (_META_CHARSET.search(head) if html else None)
    return match.group(1).decode("ascii").lower() if match else None


def decode_text(data: bytes, origin: str, declared: str | None = None) -> str:
    """The text of an article file or page; UnsupportedDocument for empty or binary content."""
    if not data.strip(b" \t\r\n\x00"):
        raise UnsupportedDocument("{origin} is empty", origin=origin)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    codec = _codec(declared)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass  # the declaration is wrong; what the bytes say comes next
    if b"\x00" not in data[:8192]:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    text = _guess(data)
    if text is None or _looks_binary(text):
        if codec is not None:
            return data.decode(codec, errors="replace")
        raise UnsupportedDocument("{origin} is a binary file, not an article", origin=origin)
    return text


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _WINDOWS_1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = min(matches, key=lambda m: m.chaos)
    close = [m for m in matches if m.chaos <= best.chaos + _CLOSE_CHAOS]
    chosen = next((m for m in close if m.encoding == "cp1252"), best)
    return str(chosen)


def _looks_binary(text: str) -> bool:
    """Control characters other than whitespace in more than 1 % of the text: not prose."""
    sample = text[:8192]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f\v")
    return "\x00" in sample or controls > len(sample) / 100

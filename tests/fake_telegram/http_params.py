"""Reads Bot API parameters from an HTTP request in every encoding Telegram accepts.

Telegram takes the query string, application/x-www-form-urlencoded, application/json and
multipart/form-data. PTB's HTTPXRequest posts form-urlencoded (multipart when uploading files), with
objects and arrays as JSON strings; checks.coerce_params turns those strings back into JSON values.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .checks import bad_request


def read_params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(urlsplit(handler.path).query, keep_blank_values=True))
    body = _read_body(handler)
    if not body:
        return params
    content_type = handler.headers.get_content_type()
    if content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(decoded, dict):
            raise bad_request("JSON request body must be an object")
        params.update(decoded)
    elif content_type == "multipart/form-data":
        params.update(_multipart(handler.headers.get("Content-Type", ""), body))
    else:
        # Telegram reads any other body as a form, which is also what curl -d sends.
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while size := int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Form fields as strings; uploaded files as {"filename", "content_type", "data"}."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise bad_request("can't parse multipart/form-data request body")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        filename = part.get_filename()
        if filename is None:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8")
        else:
            fields[name] = {"filename": filename, "content_type": part.get_content_type(), "data": payload}
    return fields

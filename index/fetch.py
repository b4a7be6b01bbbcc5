"""Fetching one URL: the single way a page or a feed enters Dossier, whoever named it.

`dossier index add URL`, an admin's /add, a feed and each of its entries all come through `fetch`:
http(s) only, every hop's addresses checked (index/fetch_policy.py, index/fetch_network.py), redirects followed one by one
through the same check, one deadline for the whole fetch, the body capped as it streams and again
as it is decompressed (a 1 MB gzip bomb would otherwise inflate to 1 GB), and the content type
checked before the body is read.

httpcore (httpx's own transport layer) does the HTTP: unlike httpx's client it takes a network
backend, which is where addresses are checked and pinned, and it hands over the raw body, so
decompression happens here, within the cap.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import httpcore
import httpx

from index.fetch_network import GuardedBackend
from index.fetch_policy import FetchError, FetchPolicy, FetchRefused

USER_AGENT = "Dossier/0.1 (news archive indexer)"
MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024

__all__ = ["FetchError", "FetchPolicy", "FetchRefused", "Fetched", "fetch"]


@dataclass(frozen=True)
class Fetched:
    """A fetched body and what its response said about it."""

    url: str  # where the body came from, after redirects
    status: int  # 200-299, or 304 for a conditional request whose resource has not changed
    content_type: str  # the media type, lower-case, without parameters ("" if none was given)
    charset: str | None  # the charset the Content-Type declared, if any
    body: bytes  # decompressed
    headers: Mapping[str, str]


def fetch(
    url: str,
    policy: FetchPolicy,
    accept: Callable[[str], bool],
    *,
    headers: Mapping[str, str] | None = None,
    deadline: float | None = None,
    what: str = "a page Dossier can read",
) -> Fetched:
    """GET `url` under `policy`; `accept(media_type)` says which content types are wanted.

    `deadline` (time.monotonic()) may end the fetch sooner than the policy's own. Raises FetchError
    (FetchRefused for a URL the policy forbids) with one sentence fit to show a user.
    """
    end = time.monotonic() + policy.deadline
    end = min(end, deadline) if deadline is not None else end
    backend = GuardedBackend(policy, end)
    request_headers = list(
        {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}.items()
    )
    current = url
    try:
        with httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend) as pool:
            for _ in range(MAX_REDIRECTS + 1):
                target = _checked(current)
                timeout = backend.left(policy.deadline)
                extensions = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), timeout)}
                with pool.stream("GET", target, headers=request_headers, extensions=extensions) as response:
                    found = _headers(response)
                    location = found.get("location")
                    if response.status in REDIRECTS and location:
                        current = urljoin(current, location)
                        continue
                    return _finish(url, current, response, found, policy, accept, what)
    except httpcore.TimeoutException:
        raise FetchError(
            "{url} did not answer within {seconds} s", url=url, seconds=f"{policy.deadline:g}", transient=True
        ) from None
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
        raise FetchError(
            "cannot fetch {url}: {reason}", url=url, reason=error.__class__.__name__, transient=True
        ) from None
    raise FetchError("{url} redirects more than {count} times", url=url, count=MAX_REDIRECTS)


def _checked(url: str) -> httpcore.URL:
    """The URL as httpcore takes it; FetchRefused for a scheme other than http(s)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise FetchError("{url} is not a valid URL", url=url) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchRefused("{url} is not an http(s) URL; Dossier fetches only those", url=url)
    return httpcore.URL(
        scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
    )


def _headers(response: httpcore.Response) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}


def _finish(
    url: str,
    final: str,
    response: httpcore.Response,
    headers: dict[str, str],
    policy: FetchPolicy,
    accept: Callable[[str], bool],
    what: str,
) -> Fetched:
    status = response.status
    if status == 304:
        return Fetched(final, status, "", None, b"", headers)
    if not 200 <= status < 300:  # 3xx here is a redirect without a Location
        raise FetchError(
            "{url} answered HTTP {status}", url=url, status=status, transient=status >= 500 or status == 429
        )
    media_type, _, parameters = headers.get("content-type", "").partition(";")
    media_type = media_type.strip().lower()
    if not accept(media_type):
        raise FetchError(
            "{url} is {media_type}, not {what}",
            url=url,
            media_type=media_type or "of unknown type",
            what=what,
        )
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise _too_large(url, policy)
    body = _read(response, headers.get("content-encoding", "identity"), policy, url)
    return Fetched(final, status, media_type, _charset(parameters), body, headers)


def _read(response: httpcore.Response, encoding: str, policy: FetchPolicy, url: str) -> bytes:
    """The body, decompressed; refused as soon as either the wire or the result passes the cap."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 32 + MAX_WBITS reads both gzip and zlib headers ("deflate" is zlib-wrapped in practice).
        inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)
    elif encoding not in ("", "identity"):
        raise FetchError(
            "{url} sent its page in an encoding Dossier does not read ({encoding})",
            url=url,
            encoding=encoding,
        )
    else:
        inflater = None
    body = bytearray()
    received = 0
    for chunk in response.iter_stream():
        received += len(chunk)
        if received > policy.max_bytes:
            raise _too_large(url, policy)
        if inflater is None:
            body += chunk
            continue
        data = chunk
        try:
            while data and not inflater.eof:
                # Never more than one byte past the cap out of any piece of input.
                body += inflater.decompress(data, policy.max_bytes - len(body) + 1)
                if len(body) > policy.max_bytes:
                    raise _too_large(url, policy, compressed=True)
                data = inflater.unconsumed_tail
        except zlib.error:
            raise FetchError("{url} sent a damaged compressed body", url=url) from None
    return bytes(body)


def _too_large(url: str, policy: FetchPolicy, compressed: bool = False) -> FetchError:
    size = f"{policy.max_bytes / 1024 / 1024:g} MB"
    if compressed:
        return FetchError(
            "{url} expands to more than {size} when decompressed; Dossier reads up to {size}",
            url=url,
            size=size,
        )
    return FetchError("{url} is larger than {size}; Dossier reads pages up to {size}", url=url, size=size)


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            return value.strip().strip("\"'").lower()
    return None

"""The network layer under every fetch: connections only to checked addresses, and only in time.

The check happens where the connection is made: the name is resolved once, every address it resolves
to is checked against the policy, and the socket connects to a checked address. A DNS answer that
changes between a check and a connect (rebinding) therefore changes nothing, and every redirect hop
goes through the same door. Every read and write is bounded by what is left of the fetch's one
deadline, so a server that trickles a byte at a time cannot stretch it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore

from index.fetch_policy import Address, FetchPolicy, FetchRefused

_RESOLVERS = threading.BoundedSemaphore(8)  # name lookups under way at once (each in its own thread)


def resolve(host: str, port: int, timeout: float) -> list[Address]:
    """Every address `host` resolves to, within `timeout` (getaddrinfo itself has no timeout)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    if not _RESOLVERS.acquire(timeout=max(timeout, 0)):
        raise httpcore.ConnectTimeout(f"no resolver free to look up {host}")
    found: list[Any] = []

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            found.append(error)
        finally:
            _RESOLVERS.release()

    # A daemon thread: a lookup that never returns must not keep the process from exiting.
    thread = threading.Thread(target=lookup, name="dossier-resolve", daemon=True)
    thread.start()
    thread.join(timeout)
    if not found:
        raise httpcore.ConnectTimeout(f"looking up {host} took too long")
    if isinstance(found[0], OSError):
        raise httpcore.ConnectError(f"cannot resolve {host}: {found[0]}")
    addresses = dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found[0])
    return list(addresses)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, connecting only to checked addresses and only before `deadline`."""

    def __init__(self, policy: FetchPolicy, deadline: float):
        self.policy = policy
        self.deadline = deadline
        self._inner = httpcore.SyncBackend()

    def left(self, timeout: float | None = None) -> float:
        """Seconds left for one operation: what the deadline leaves, never more than asked."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the fetch ran out of time")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port, self.left(timeout))
        for address in addresses:
            kind = self.policy.refusal(host, address)
            if kind is not None:
                shown = host if host.strip("[]") == str(address) else f"{host} ({address})"
                raise FetchRefused(
                    "{host} is a {kind} address; Dossier fetches only from public addresses "
                    "unless DOSSIER_FETCH_ALLOWED_NETWORKS allows it",
                    host=shown,
                    kind=kind,
                )
        error: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    str(address), port, self.left(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failed:
                error = failed
                continue
            return DeadlineStream(stream, self)
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise FetchRefused("Dossier fetches only http(s) URLs")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self.left()))


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the fetch's deadline (a trickle cannot stall it)."""

    def __init__(self, inner: httpcore.NetworkStream, backend: GuardedBackend):
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        # server_hostname is the URL's host, not the address connected to: certificates are checked
        # against the name asked for.
        inner = self._inner.start_tls(ssl_context, server_hostname, self._backend.left(timeout))
        return DeadlineStream(inner, self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

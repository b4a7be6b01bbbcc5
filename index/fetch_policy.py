"""Which addresses a fetch may reach, how long it may take and how much it may read.

Only public addresses are fetched: a page or a feed entry naming `localhost`, a private network, a
link-local metadata service (169.254.169.254) or a name that merely resolves to one is refused,
unless the operator lists it in DOSSIER_FETCH_ALLOWED_NETWORKS. index/fetch_network.py applies this
where each connection is made.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from index.errors import UnsupportedDocument

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEADLINE = 20.0  # seconds for a whole fetch: resolving, connecting, redirects and every read
MAX_BYTES = 10 * 1024 * 1024  # of a body, on the wire and after decompression alike
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 addresses embedded by a NAT64 gateway


class FetchError(UnsupportedDocument):
    """A URL could not be fetched; `transient` when trying again later may work (timeouts, 5xx)."""

    def __init__(self, template: str, /, transient: bool = False, **values: object):
        super().__init__(template, **values)
        self.transient = transient


class FetchRefused(FetchError):
    """The URL leads somewhere Dossier does not fetch from: another scheme, or a non-public address."""


@dataclass(frozen=True)
class FetchPolicy:
    """What any fetch may reach, and how long and how much it may take."""

    allowed_networks: tuple[Network, ...] = ()
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    deadline: float = DEADLINE
    max_bytes: int = MAX_BYTES

    @classmethod
    def allowing(cls, entries: str | Iterable[str], **limits: Any) -> FetchPolicy:
        """From DOSSIER_FETCH_ALLOWED_NETWORKS: host names and addresses or CIDRs, comma-separated.

        Raises ValueError naming an entry that is neither.
        """
        items = entries.split(",") if isinstance(entries, str) else list(entries)
        networks: list[Network] = []
        hosts: set[str] = set()
        for item in (i.strip().lower() for i in items):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                if not _HOST_NAME.fullmatch(item):
                    raise ValueError(f"{item!r} is neither a host name nor an address or CIDR") from None
                hosts.add(item)
        return cls(tuple(networks), frozenset(hosts), **limits)

    def refusal(self, host: str, address: Address) -> str | None:
        """Why this address of this host may not be fetched (e.g. "loopback"), or None if it may."""
        if host.lower().rstrip(".") in self.allowed_hosts:
            return None
        if any(address in network for network in self.allowed_networks):
            return None
        return non_public(address)


def non_public(address: Address) -> str | None:
    """The kind of a non-public address ("loopback", "private", …), or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return non_public(embedded)
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"

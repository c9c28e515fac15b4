"""The caller's address behind reverse proxies: ``X-Forwarded-For`` only from trusted hops.

Each proxy appends the address it received the request from, so the header is read from
the right: while the hop that handed the request on is a configured trusted proxy, the
entry before it is believed. The first hop that is not trusted is the client. With no
trusted proxies (the default, loopback included) the header is ignored, so neither the
audit address nor a per-address throttle can be forged by sending it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: Longest address text kept (an IPv6 address with zone fits well within it).
MAX_ADDRESS_LENGTH = 64


class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` entries are believed."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in entries
        )

    def trusts(self, address: str) -> bool:
        """True when ``address`` is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: Sequence[str]) -> str:
        """The client's address given the TCP peer and every ``X-Forwarded-For`` header."""
        current = peer
        if not self.networks:
            return current[:MAX_ADDRESS_LENGTH]
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
        while hops and self.trusts(current):
            candidate = hops.pop()
            try:
                current = str(ipaddress.ip_address(candidate))
            except ValueError:
                break  # a malformed entry: the last trusted hop is all we know
        return current[:MAX_ADDRESS_LENGTH]

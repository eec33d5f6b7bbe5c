"""The client's address behind reverse proxies, believed only from proxies we were told of.

X-Forwarded-For is written by whoever sends the request, so it is read only when the direct
peer is a configured proxy (TRUSTED_PROXIES), and then from the right: the first address that
is not itself a trusted proxy is the client. Rate limits, the audit trail and sign-in
throttling all read `scope["client"]`, so they all get the same answer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 192.0.2.7` → networks; raises ValueError naming the bad entry."""
    networks = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"has {entry!r}, which is not an IP address or network") from None
    return tuple(networks)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_from(peer: str, forwarded_for: str, networks: Sequence[Network]) -> str:
    """The address to believe, given the direct peer and its X-Forwarded-For header."""
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: keep what we know
    return hops[0] if hops else peer


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, networks: Sequence[Network]) -> None:
        self.app = app
        self.networks = tuple(networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.networks and scope.get("client"):
            peer, port = scope["client"]  # type: ignore[misc]
            forwarded = ",".join(
                value.decode("latin-1")
                for name, value in scope.get("headers", [])
                if name == b"x-forwarded-for"
            )
            scope["client"] = (client_from(peer, forwarded, self.networks), port)  # type: ignore[typeddict-item]
        await self.app(scope, receive, send)

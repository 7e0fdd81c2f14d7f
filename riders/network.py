"""The client's network, for the sign-in limits (the address itself: core.network)."""

import ipaddress

from django.conf import settings

from core.network import UNKNOWN, client_ip, parse_address

__all__ = ["UNKNOWN", "client_ip", "client_network"]


def client_network(ip: str) -> str:
    """The block one home, office or carrier hands out: /24 for IPv4, /64 for IPv6."""
    address = parse_address(ip)
    if address is None:
        return UNKNOWN
    prefix = (
        settings.SIGN_IN_NETWORK_PREFIX_IPV4
        if address.version == 4
        else settings.SIGN_IN_NETWORK_PREFIX_IPV6
    )
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))

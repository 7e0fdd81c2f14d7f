"""Who is asking: the client's address, past the reverse proxies we trust.

Behind N reverse proxies (settings.TRUSTED_PROXY_COUNT) each proxy appends the address that
connected to it to X-Forwarded-For, so only the last N entries are vouched for; the client is
the N-th from the right. Anything further left was written by the client and is never read.
With no trusted proxy the header is ignored and REMOTE_ADDR is the client. The rider sign-in
limits and the staff lockout (django-axes) both count by this address.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:443"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The client's address as our trusted proxies saw it, or REMOTE_ADDR."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [
            part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if forwarded:
            # Fewer entries than proxies: the request skipped the outer ones, and the leftmost
            # entry was still written by a trusted proxy.
            address = parse_address(forwarded[-hops] if len(forwarded) >= hops else forwarded[0])
            if address is not None:
                return str(address)
    address = parse_address(request.META.get("REMOTE_ADDR", ""))
    return str(address) if address is not None else UNKNOWN

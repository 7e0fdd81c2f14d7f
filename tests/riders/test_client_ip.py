"""Which address the sign-in limits count: REMOTE_ADDR, or our own proxies' X-Forwarded-For."""

import pytest
from django.test import RequestFactory

from riders.network import client_ip, client_network


def request(remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/sign-in/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # A client cannot pick a new address per request by sending the header itself.
    assert client_ip(request("203.0.113.5", forwarded="198.51.100.1")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        # Whatever the client wrote on the left is never read.
        (1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        (2, "1.2.3.4, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        # Fewer entries than proxies: the leftmost was still written by one of ours.
        (2, "203.0.113.5", "203.0.113.5"),
        (1, "203.0.113.5:51234", "203.0.113.5"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "::ffff:203.0.113.5", "203.0.113.5"),
    ],
)
def test_behind_trusted_proxies_the_first_untrusted_hop_is_the_client(
    settings, hops, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = hops
    assert client_ip(request(forwarded=forwarded)) == expected


@pytest.mark.parametrize("forwarded", ["", "not-an-address", " , "])
def test_a_missing_or_broken_header_falls_back_to_remote_addr(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("10.0.0.2", forwarded=forwarded)) == "10.0.0.2"


def test_no_usable_address_at_all_is_one_shared_bucket(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("")) == "unknown"
    assert client_network("unknown") == "unknown"


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
    ],
)
def test_networks_are_slash_24_and_slash_64(ip, network):
    assert client_network(ip) == network


def test_the_network_size_is_a_setting(settings):
    settings.SIGN_IN_NETWORK_PREFIX_IPV4 = 16
    assert client_network("203.0.113.77") == "203.0.0.0/16"

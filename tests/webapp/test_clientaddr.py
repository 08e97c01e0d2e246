"""webapp.clientaddr: the client's address believes X-Forwarded-For only from trusted proxies, walking it from
the right; no view reads the peer's address itself."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.throttle import address_key
from webapp.clientaddr import client_address, parse_address, trusted_proxies

PROXIES = trusted_proxies("10.0.0.2 10.0.0.3, 10.0.1.0/28 fd00::/64")


@pytest.mark.parametrize("peer, header, client", [
    ("192.0.2.1", None, "192.0.2.1"),                                   # no proxy
    ("192.0.2.1", "198.51.100.7", "192.0.2.1"),                         # an untrusted peer's header is ignored
    ("10.0.0.2", None, "10.0.0.2"),                                     # a trusted peer without a header
    ("10.0.0.2", "198.51.100.7", "198.51.100.7"),
    ("10.0.0.3", "198.51.100.7", "198.51.100.7"),                       # the other proxy host
    ("10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7"),              # what the client wrote is left of it
    ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.1.9", "198.51.100.7"),   # two trusted hops skipped
    ("10.0.0.2", "10.0.1.9, 10.0.0.3", "10.0.1.9"),                     # only proxies: the farthest one
    ("10.0.0.2", "garbage, 10.0.0.3", "10.0.0.3"),                      # the hop nearest to what no proxy writes
    ("10.0.0.2", " 198.51.100.7:51234 ", "198.51.100.7"),               # a port is no part of the address
    ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
    ("fd00::5", "2001:db8::1", "2001:db8::1"),
    ("::ffff:10.0.0.2", "198.51.100.7", "198.51.100.7"),                # IPv4-mapped peer
    ("10.0.0.2", ",,", "10.0.0.2"),
    (None, "198.51.100.7", None),
])
def test_the_client_is_the_first_hop_from_the_right_that_is_not_a_trusted_proxy(peer, header, client):
    assert client_address(peer, header, PROXIES) == client


def test_without_trusted_proxies_the_header_is_never_believed():
    assert client_address("127.0.0.1", "198.51.100.7", trusted_proxies("")) == "127.0.0.1"
    assert client_address("127.0.0.1", "198.51.100.7", trusted_proxies(None)) == "127.0.0.1"


def test_a_long_header_is_walked_only_so_far():
    header = ", ".join(["10.0.0.3"] * 1000)
    assert client_address("10.0.0.2", header, PROXIES) == "10.0.0.3"


def test_a_bad_setting_names_itself():
    with pytest.raises(ValueError, match="jianxi.trusted_proxies 中的“nginx.internal”不是IP地址或网段"):
        trusted_proxies("10.0.0.2 nginx.internal")


def test_addresses_are_parsed_as_proxies_write_them():
    assert str(parse_address('"[::1]"')) == "::1" and parse_address("unknown") is None
    assert parse_address("_hidden") is None and str(parse_address("::ffff:1.2.3.4")) == "1.2.3.4"


def test_an_ipv6_client_is_counted_by_its_64():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_key("::ffff:1.2.3.4") == "1.2.3.4" and address_key(None) == "unknown"
    assert address_key("198.51.100.7") == "198.51.100.7"


def test_no_view_reads_the_peers_address_itself():
    """request.remote_addr is the proxy's, WebOb's client_addr the client's own say: only clientaddr.py
    reads what they are made of."""
    root = Path(__file__).resolve().parents[2] / "webapp"
    readers = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if p.name != "clientaddr.py" and re.search(r"request\.(remote_addr|client_addr)\b|REMOTE_ADDR|X_FORWARDED",
                                                           p.read_text(encoding="utf-8"))]
    assert readers == []

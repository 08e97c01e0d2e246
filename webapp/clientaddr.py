"""Who the client is: `request.client_address`, the one address every view records and every rate limit
counts, and the scheme the client used. Never `request.remote_addr` (the proxy's, behind one) nor WebOb's
`client_addr` (the first X-Forwarded-For entry, which any client may write).

The proxy headers are believed only from a trusted peer: `jianxi.trusted_proxies` lists addresses and
networks (spaces or commas between them; e.g. the two nginx hosts of docs/deploy.md, or 10.0.1.0/28). With
the immediate peer among them, X-Forwarded-For is walked from the right, skipping the trusted proxies'
own hops, and the first address that is not one of them is the client. Everything to its left was written
by the client and is ignored. From any other peer the headers are ignored: the peer is the client. The same
peer's X-Forwarded-Proto (http or https) gives the scheme, so URLs and Pyramid's HTTPS-only origin check of
CSRF see the client's https. Waitress must pass the headers through untouched (production.ini:
clear_untrusted_proxy_headers = false and no trusted_proxy).
"""
from __future__ import annotations

import ipaddress
import re

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SETTING = "jianxi.trusted_proxies"
# No more hops than any real chain of proxies; a longer header is the client's padding.
MAX_HOPS = 16
_PORTED_V4 = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}", re.ASCII)
_BRACKETED_V6 = re.compile(r"\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?", re.ASCII)


def trusted_proxies(value) -> tuple[Network, ...]:
    """The setting's addresses and networks; ValueError naming the setting for one that is neither."""
    networks = []
    for part in re.split(r"[\s,]+", str(value or "").strip()):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{SETTING} 中的“{part}”不是IP地址或网段（如 10.0.0.5 或 10.0.1.0/28）") from None
    return tuple(networks)


def parse_address(text: str | None):
    """An address as a proxy or a WSGI server writes it ("1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::1"),
    IPv4-mapped IPv6 as IPv4; None for anything else (a name, "unknown", an obfuscated node)."""
    text = (text or "").strip().strip('"')
    match = _PORTED_V4.fullmatch(text) or _BRACKETED_V6.fullmatch(text)
    try:
        ip = ipaddress.ip_address(match.group(1) if match else text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip, proxies: tuple[Network, ...]) -> bool:
    return ip is not None and any(ip.version == net.version and ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str | None:
    """The client's address, from the immediate peer (REMOTE_ADDR) and the X-Forwarded-For header (every
    line of it, joined by commas, as WSGI servers give it)."""
    nearest = parse_address(peer)
    if not _trusted(nearest, proxies):
        return str(nearest) if nearest is not None else peer
    hops = [h for h in (forwarded_for or "").split(",") if h.strip()][-MAX_HOPS:]
    for hop in reversed(hops):
        ip = parse_address(hop)
        if ip is None:
            break          # a trusted proxy never writes this: the hop nearest to it is all we know
        nearest = ip
        if not _trusted(ip, proxies):
            break
    return str(nearest)


def _client_address(request) -> str | None:
    return client_address(request.environ.get("REMOTE_ADDR"), request.environ.get("HTTP_X_FORWARDED_FOR"),
                          request.registry[SETTING])


def forwarded_scheme(event) -> None:
    """NewRequest: the client's scheme (X-Forwarded-Proto) from a trusted proxy, before anything builds a URL."""
    request = event.request
    proto = request.environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
    if proto in ("http", "https") and _trusted(parse_address(request.environ.get("REMOTE_ADDR")),
                                                request.registry[SETTING]):
        request.environ["wsgi.url_scheme"] = proto


def includeme(config):
    from pyramid.events import NewRequest
    config.registry[SETTING] = trusted_proxies(config.get_settings().get(SETTING))
    config.add_request_method(_client_address, "client_address", reify=True)
    config.add_subscriber(forwarded_scheme, NewRequest)

"""Where a webhook may go: http(s) URLs only, and, unless the settings allow it, never to an
address inside the network modq runs in (loopback, private, link-local: the cloud metadata
service lives there). Checked when an endpoint is added and again, on the resolved address,
at every attempt, which then connects to exactly the address it checked (so a DNS answer that
changes between the check and the connection cannot lead it inside)."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from moderation.errors import Invalid

SCHEMES = {"http": 80, "https": 443}
MAX_URL_CHARS = 2000


class RefusedAddress(Invalid):
    """A webhook URL modq will not call; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    scheme: str
    host: str  # the name, for the Host header and TLS
    address: str  # the resolved address that was checked
    port: int
    path: str


def check_url(url: str) -> str:
    """The URL, stripped, if it is an absolute http(s) URL without credentials."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise RefusedAddress(f"{url!r}: a webhook URL is http:// or https:// with a host")
    if parts.username or parts.password:
        raise RefusedAddress(f"{url!r}: no credentials in the URL; verify the signature instead")
    if len(url) > MAX_URL_CHARS:
        raise RefusedAddress(f"a webhook URL has at most {MAX_URL_CHARS} characters")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise RefusedAddress(f"{url!r}: the port is not a number from 0 to 65535") from None
    return url


def resolve(url: str, allow_private: bool) -> Target:
    """Check `url` and resolve its host; RefusedAddress for an internal address when
    `allow_private` is off, or a host that does not resolve."""
    parts = urlsplit(check_url(url))
    host = parts.hostname or ""
    port = parts.port or SCHEMES[parts.scheme]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(f"{host!r} does not resolve: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private:
        inside = [a for a in addresses if is_internal(a)]
        if inside:
            raise RefusedAddress(
                f"{host!r} resolves to {inside[0]}, an internal address; set "
                "MODQ_WEBHOOK_PRIVATE_ADDRESSES=true to allow webhooks inside your network"
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, addresses[0], port, path)


def is_internal(address: str) -> bool:
    """Loopback, private, link-local, shared, reserved or unspecified: not the internet."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the checked address (TLS verified against the host name)."""
    if target.scheme == "http":
        return _PinnedHTTP(target, timeout)
    return _PinnedHTTPS(target, timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)

"""Where webhooks may go: http(s) only, and not into modq's own network unless allowed."""

from __future__ import annotations

import pytest

from moderation.webhooks.addresses import RefusedAddress, check_url, is_internal, resolve


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "javascript:alert(1)",
        "https:///no-host",
        "https://user:pw@example.org/hook",
        "http://example.org:99999/",
    ],
)
def test_only_plain_http_and_https_urls_are_taken(url: str) -> None:
    with pytest.raises(RefusedAddress):
        check_url(url)


@pytest.mark.parametrize(
    ("address", "internal"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # the cloud metadata service
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("224.0.0.1", True),
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
    ],
)
def test_internal_addresses_are_recognised(address: str, internal: bool) -> None:
    assert is_internal(address) is internal


def test_an_internal_address_is_refused_unless_the_setting_allows_it() -> None:
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/"):
        with pytest.raises(RefusedAddress, match="MODQ_WEBHOOK_PRIVATE_ADDRESSES"):
            resolve(url, allow_private=False)
    target = resolve("http://127.0.0.1:8080/hook?x=1", allow_private=True)
    assert (target.address, target.port, target.path) == ("127.0.0.1", 8080, "/hook?x=1")


def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(RefusedAddress, match="does not resolve"):
        resolve("http://no-such-host.invalid/hook", allow_private=True)

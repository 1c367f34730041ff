"""Credentials masked out of text: the one helper behind logs, /readyz, `modq config` and errors."""

from __future__ import annotations

import re

MASK = "***"

# The password of a URL's userinfo (`redis://:pw@host`, `postgresql://user:pw@host/db`).
_USERINFO_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s/@:]*:)[^\s@]+(?=@)")
# Secrets passed as query parameters (`?password=...`, `&sslpassword=...`, `?token=...`).
_QUERY_SECRET = re.compile(
    r"([?&;][a-z_]*(?:password|passwd|pwd|secret|token|api_?key|access_?key)=)[^&\s#'\"]+",
    re.IGNORECASE,
)


def mask_credentials(text: str) -> str:
    """`text` with every URL password and secret query parameter replaced by ***."""
    text = _USERINFO_PASSWORD.sub(rf"\g<1>{MASK}", text)
    return _QUERY_SECRET.sub(rf"\g<1>{MASK}", text)

"""Which reader a call speaks for: the reader a site's token names (header `Reader-Token`),
or nobody, when a site's own server vouches for its readers with its key or the site takes
anonymous comments."""

from __future__ import annotations

from flask import request

from moderation.models import Site
from moderation.readers.tokens import Reader, ReaderRefused, read_token, require_same_reader
from moderation.site_keys import KeyRef, SiteRef

READER_HEADER = "Reader-Token"
NEEDS_TOKEN = f"this site takes comments only from its verified readers: send {READER_HEADER}"


def header_reader(site: Site | SiteRef) -> Reader | None:
    """The reader named by the request's token (checked with the site's secret), if sent."""
    token = request.headers.get(READER_HEADER, "").strip()
    return read_token(site, token) if token else None


def check_author(site: Site | SiteRef, key: KeyRef | None, author_id: str) -> Reader | None:
    """Refuse a comment whose author is not the token's reader; without a token, only the
    site's key or the site's anonymous setting lets a comment in."""
    reader = header_reader(site)
    if reader is not None:
        require_same_reader(reader, author_id)
    elif key is None and not site.anonymous_comments:
        raise ReaderRefused(NEEDS_TOKEN)
    return reader


def required_reader(site: Site | SiteRef) -> Reader:
    """The token's reader; ReaderRefused when there is no token."""
    reader = header_reader(site)
    if reader is None:
        raise ReaderRefused(f"this call needs a reader token: send {READER_HEADER}")
    return reader

"""Verified readers: a site signs a short-lived token (a JWT, HS256, with its reader secret)
naming its logged-in reader; modq accepts a comment or a report only for the reader the
token names.

Claims: `sub` the reader's id on the site, `name` the name shown with their comments, `aud`
`modq:<site name>`, `exp` (required). Only HS256 is accepted: a token cannot choose its own
algorithm (`none`, or RS256 with the secret taken for a public key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from moderation.comments.validation import MAX_ID_CHARS, MAX_NAME_CHARS, text_problem
from moderation.errors import DomainError
from moderation.models import Site
from moderation.site_keys import SiteRef

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30  # clocks of the site's server and ours may differ a little
REQUIRED_CLAIMS = ("exp", "aud", "sub")


class ReaderRefused(DomainError):
    """No reader token where one is needed, or one that is not valid; the message says why."""

    code = "reader_unauthorized"


class NotThisReader(DomainError):
    """A comment or report in the name of another reader than the token's."""

    code = "reader_mismatch"


@dataclass(frozen=True)
class Reader:
    """Who is commenting: a site's verified reader, or an anonymous one (if the site allows)."""

    id: str
    name: str
    verified: bool
    expires_at: int | None = None  # the token's `exp` (seconds since the epoch)


def audience(site: Site | SiteRef) -> str:
    """The `aud` a token for this site must carry."""
    return f"modq:{site.name}"


def read_token(site: Site | SiteRef, token: str) -> Reader:
    """The verified reader a site's token names, or ReaderRefused saying why not."""
    try:
        claims = jwt.decode(
            token,
            site.reader_secret,
            algorithms=[ALGORITHM],
            audience=audience(site),
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise ReaderRefused("the reader token has expired; the site must sign a new one") from None
    except jwt.InvalidAudienceError:
        raise ReaderRefused(
            f"the reader token is not for this site (aud must be {audience(site)!r})"
        ) from None
    except jwt.InvalidTokenError as exc:
        raise ReaderRefused(f"the reader token is not valid: {exc}") from None
    return Reader(
        _claim(claims, "sub", MAX_ID_CHARS),
        _claim(claims, "name", MAX_NAME_CHARS),
        True,
        int(claims["exp"]),
    )


def _claim(claims: dict[str, Any], name: str, limit: int) -> str:
    value = claims.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # sites often number their readers
    if problem := text_problem(value, limit) if value is not None else "is required":
        raise ReaderRefused(f"the reader token's {name!r} claim {problem}")
    return str(value).strip()


def sign_token(
    site: Site, reader_id: str, name: str, lifetime: timedelta = timedelta(hours=1)
) -> str:
    """A token for one of the site's readers, as the site's server would make it (the demo
    page and tests use it; sites use any JWT library)."""
    now = datetime.now(UTC)
    claims = {
        "sub": reader_id,
        "name": name,
        "aud": audience(site),
        "iat": now,
        "exp": now + lifetime,
    }
    return jwt.encode(claims, site.reader_secret, algorithm=ALGORITHM)


def require_same_reader(reader: Reader, author_id: str) -> None:
    """Refuse a comment whose author is not the token's reader."""
    if author_id != reader.id:
        raise NotThisReader("the reader token names another reader than author.id")

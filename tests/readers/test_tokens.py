"""Reader tokens: what a site signs is accepted for its reader, and nothing else is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from moderation.models import Site
from moderation.readers.tokens import (
    NotThisReader,
    Reader,
    ReaderRefused,
    read_token,
    require_same_reader,
    sign_token,
)

SITE = Site(id=1, name="gazette", origins=[], reader_secret="s3cret-of-the-gazette-" + "x" * 50)


def token(**claims: Any) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": "r42",
        "name": "Ana",
        "aud": "modq:gazette",
        "exp": now + timedelta(minutes=5),
    }
    payload |= claims
    secret = payload.pop("secret", SITE.reader_secret)
    algorithm = str(payload.pop("alg", "HS256"))
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm)


def test_a_token_the_site_signed_names_its_reader() -> None:
    ana = read_token(SITE, token())
    assert (ana.id, ana.name, ana.verified) == ("r42", "Ana", True)
    ben = read_token(SITE, sign_token(SITE, "r7", "Ben"))
    assert (ben.id, ben.name, ben.verified) == ("r7", "Ben", True)
    assert ben.expires_at is not None and ben.expires_at > datetime.now(UTC).timestamp()


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({"secret": "another-secret-" + "y" * 20}, "(?i)signature"),
        ({"exp": datetime.now(UTC) - timedelta(minutes=5)}, "expired"),
        ({"aud": "modq:other-site"}, "not for this site"),
        ({"aud": None}, "aud"),
        ({"exp": None}, "exp"),
        ({"sub": None}, "sub"),
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"alg": "HS512"}, "alg value is not allowed"),
    ],
)
def test_forged_expired_or_foreign_tokens_are_refused(claims: dict[str, Any], says: str) -> None:
    with pytest.raises(ReaderRefused, match=says):
        read_token(SITE, token(**claims))


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode(
        {"sub": "r42", "name": "Ana", "aud": "modq:gazette", "exp": 4102444800}, None, "none"
    )
    with pytest.raises(ReaderRefused):
        read_token(SITE, unsigned)


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c", "😀" * 10])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(ReaderRefused):
        read_token(SITE, garbage)


def test_a_comment_in_another_readers_name_is_refused() -> None:
    require_same_reader(Reader("r42", "Ana", True), "r42")
    with pytest.raises(NotThisReader):
        require_same_reader(Reader("r42", "Ana", True), "r43")
